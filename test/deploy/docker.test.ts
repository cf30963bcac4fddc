import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, SETTING_SPECS } from '../../src/config/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const SETTING_NAMES = new Set(Object.values(SETTING_SPECS).map((spec) => spec.env));
/** Variables docker-compose.yml may read from .env that are not Gatehouse settings. */
const COMPOSE_ONLY_VARIABLES = new Set(['POSTGRES_PASSWORD']);

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of each build stage, by stage name. */
function stages(): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] | null = null;
  for (const instruction of dockerfile()) {
    if (instruction.op === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(instruction.args)?.[1] ?? `stage${byStage.size}`;
      current = [];
      byStage.set(name, current);
    }
    current?.push(instruction);
  }
  return byStage;
}

/** `KEY=value` pairs of an ENV instruction. */
function envPairs(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)].map((m) => [m[1], m[2]]));
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (and `$$`) against `env`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (whole, name, op, arg) => {
    if (whole === '$$') return '$';
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (op === ':?') throw new Error(arg);
    return op === ':-' ? arg : '';
  });
}

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

const COMPOSE_SECRETS = {
  PLATFORM_ADMIN_PASSWORD: 'an operator passphrase here',
  JWT_SECRET_KEY: 'j'.repeat(48),
  POSTGRES_PASSWORD: 'postgres-password',
};

// The commands Docker would run for the health checks, against a real Gatehouse.
let server: ServerProcess;
let database: TestDatabase;
beforeAll(async () => {
  database = await DIALECTS[0]!.create();
  server = await startServerProcess({ env: { DATABASE_URL: database.url }, readyTimeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

function run(command: string[], env: Record<string, string> = {}): number | null {
  const [program, ...args] = command;
  const executable = program === 'node' ? process.execPath : program!;
  return spawnSync(executable, args, { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 }).status;
}

describe('Dockerfile', () => {
  it('builds in stages from a Node 24 LTS image: production dependencies, and the admin UI built apart', () => {
    const all = dockerfile();
    const image = /^NODE_IMAGE=(\S+)$/.exec(all.find((i) => i.op === 'ARG')?.args ?? '')?.[1];
    expect(image).toMatch(/^node:24(-|$)/);
    const byStage = stages();
    expect([...byStage.keys()]).toEqual(['deps', 'ui', 'runtime']);
    for (const stage of byStage.values()) expect(stage[0]!.args).toMatch(/^\$\{NODE_IMAGE\}/);
    const install = byStage.get('deps')!.find((i) => i.op === 'RUN' && i.args.includes('npm ci'));
    expect(install?.args).toMatch(/npm ci --omit=dev/);
    // Vite is a devDependency: the UI is built in its own stage and only its output is copied.
    expect(byStage.get('ui')!.some((i) => i.op === 'RUN' && i.args.includes('vite build'))).toBe(true);
    const runtimeCopies = byStage
      .get('runtime')!
      .filter((i) => i.op === 'COPY')
      .map((i) => i.args);
    expect(runtimeCopies).toContain('--from=ui --chown=root:root /app/ui/dist ./ui/dist');
    expect(runtimeCopies.some((args) => args.includes('--from=ui') && args.includes('node_modules'))).toBe(
      false,
    );
    // Node >= 22.18 runs the .ts sources by type stripping; bin/gatehouse.js imports them directly.
    expect(read('bin/gatehouse.js')).toContain("from '../src/cli/main.ts'");
  });

  it('runs as the unprivileged node user, exposes 4444 and starts `gatehouse serve`', () => {
    const runtime = stages().get('runtime')!;
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    expect(runtime.filter((i) => i.op === 'EXPOSE').map((i) => i.args)).toEqual(['4444']);
    const entrypoint = JSON.parse(runtime.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint).toContain('bin/gatehouse.js');
    expect(JSON.parse(runtime.find((i) => i.op === 'CMD')!.args)).toEqual(['serve']);
    // The CLI on the PATH for `kubectl exec … gatehouse recover-admin`: an executable script.
    expect(
      runtime.some(
        (i) => i.op === 'RUN' && i.args.includes('/app/bin/gatehouse.js /usr/local/bin/gatehouse'),
      ),
    ).toBe(true);
    expect(statSync(new URL('bin/gatehouse.js', ROOT)).mode & 0o111).not.toBe(0);
    const env = Object.assign({}, ...runtime.filter((i) => i.op === 'ENV').map((i) => envPairs(i.args)));
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '4444' });
  });

  it('sets only settings that exist (plus NODE_ENV), and they load as valid settings', () => {
    const env: Record<string, string> = Object.assign(
      {},
      ...dockerfile()
        .filter((i) => i.op === 'ENV')
        .map((i) => envPairs(i.args)),
    );
    for (const name of Object.keys(env)) if (name !== 'NODE_ENV') expect(SETTING_NAMES, name).toContain(name);
    const loaded = loadSettings({ env });
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const name of ['.env', '.git', 'node_modules', 'data', 'test']) expect(ignored).toContain(name);
    const copies = dockerfile().filter((i) => i.op === 'COPY' && !i.args.includes('--from'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(new URL(source, ROOT)), source).toBe(true);
        expect(ignored, source).not.toContain(source.replace(/\/$/, ''));
      }
    }
  });

  it('has a HEALTHCHECK on /health that passes against a running Gatehouse and fails without one', async () => {
    const healthcheck = dockerfile().find((i) => i.op === 'HEALTHCHECK')!;
    const command = JSON.parse(/CMD\s+(\[.*\])$/.exec(healthcheck.args)![1]!) as string[];
    expect(command.join(' ')).toContain('/health');
    const port = new URL(server.baseUrl).port;
    expect(run(command, { PORT: port })).toBe(0);
    expect(run(command, { PORT: String(await freePort()) })).toBe(1);
  });
});

describe('docker-compose.yml', () => {
  const compose = () => parse(read('docker-compose.yml')) as { services: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('runs Gatehouse with PostgreSQL, Redis and a mail catcher, each with a health check, Gatehouse after they are healthy', () => {
    const { services } = compose();
    expect(Object.keys(services).sort()).toEqual(['gatehouse', 'mailpit', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(services))
      expect(service.healthcheck?.test, name).toBeDefined();
    expect(services.gatehouse.build).toBe('.');
    expect(services.gatehouse.env_file).toBe('.env');
    expect(services.gatehouse.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      mailpit: { condition: 'service_healthy' },
    });
    for (const service of Object.values(services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('sets only Gatehouse settings, and reads from .env only settings and POSTGRES_PASSWORD', () => {
    const { services } = compose();
    for (const name of Object.keys(services.gatehouse.environment))
      expect(SETTING_NAMES, name).toContain(name);
    const variables = [...read('docker-compose.yml').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map(
      (m) => m[1]!,
    );
    expect(variables.length).toBeGreaterThan(0);
    for (const name of variables)
      expect(SETTING_NAMES.has(name) || COMPOSE_ONLY_VARIABLES.has(name), name).toBe(true);
  });

  it('stops with a clear message when .env lacks a required secret', () => {
    for (const name of Object.keys(COMPOSE_SECRETS)) {
      const env: Record<string, string> = { ...COMPOSE_SECRETS, [name]: '' };
      expect(() => interpolate(read('docker-compose.yml'), env), name).toThrow(`set ${name} in .env`);
    }
  });

  it('gives Gatehouse valid settings from a .env copied from .env.example: PostgreSQL, Redis, Mailpit, all interfaces', () => {
    const dotEnv = { ...envFile(read('.env.example')), ...COMPOSE_SECRETS };
    const { services } = parse(interpolate(read('docker-compose.yml'), dotEnv)) as {
      services: { gatehouse: { environment: Record<string, string> } };
    };
    // env_file first, `environment:` over it, as compose merges them.
    const env = { ...dotEnv, ...services.gatehouse.environment };
    const loaded = loadSettings({ env });
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.settings).toMatchObject({
      host: '0.0.0.0',
      port: 4444,
      databaseUrl: 'postgres://gatehouse:postgres-password@postgres:5432/gatehouse',
      redisUrl: 'redis://redis:6379',
      smtpEnabled: true,
      smtpHost: 'mailpit',
      smtpPort: 1025,
      platformAdminPassword: COMPOSE_SECRETS.PLATFORM_ADMIN_PASSWORD,
    });
  });

  it('has a Gatehouse health check on /ready that passes against a running Gatehouse', () => {
    const test = compose().services.gatehouse.healthcheck.test as string[];
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toContain('/ready');
    const port = new URL(server.baseUrl).port;
    const command = test.slice(1).map((part) => part.replace('127.0.0.1:4444', `127.0.0.1:${port}`));
    expect(run(command)).toBe(0);
  });
});
