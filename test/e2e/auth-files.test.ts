import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';
const USER_PASSWORD = 'correct horse battery staple';

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = database = dir = undefined;
});

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(url, init);
  await response.text();
  return response.status;
}

const me = (token: string) =>
  status(`${server!.baseUrl}/auth/email/me`, { headers: { authorization: `Bearer ${token}` } });

async function login(identifier: string, password: string): Promise<{ status: number; token?: string }> {
  const response = await fetch(`${server!.baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: identifier, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, token: body.access_token };
}

/** Polls `check` until it is true; resolves to the milliseconds it took, or throws after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not true within ${limitMs} ms; server output:\n${server?.output() ?? ''}`);
}

const logged = (line: string) => () => Promise.resolve(server!.output().includes(line));

describe.each(DIALECTS)('token and user files, hot-reloaded by a running server on $name', (dialect) => {
  async function start(extra: Record<string, string>) {
    database = await dialect.create();
    const env = {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'info',
      MAX_FAILED_LOGIN_ATTEMPTS: '3',
      // Polling with a token that is not valid yet counts as failures of this IP.
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
      ...extra,
    };
    server = await startServerProcess({ env });
    return env;
  }

  it('token file: a CLI-added token works within 1 s, invalid YAML keeps the old tokens, delete+recreate is still watched', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-files-'));
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, '# tokens for CI\ntokens: {}\n');
    const env = await start({ AUTH_TOKEN_FILE: path });
    expect(server!.output()).toContain(`[AUTH] Loaded ${path}`);

    const created = await runCli(
      ['tokens', 'create', '--file', path, '--name', 'ci', '--email', 'admin@example.com'],
      {
        env,
      },
    );
    expect(created.code).toBe(0);
    const first = created.stdout.trim();
    const tookMs = await within(1000, async () => (await me(first)) === 200);
    expect(tookMs).toBeLessThan(1000);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# tokens for CI');
    expect(text).not.toContain(first);
    await within(1000, logged(`[AUTH] Reloaded ${path}`));

    writeFileSync(path, `${text}  broken: [\n`);
    await within(2000, logged(`[AUTH] Failed to reload ${path}: invalid YAML`));
    expect(await me(first)).toBe(200);

    // As editors save: remove, then write a new file under the same name.
    rmSync(path);
    await within(2000, logged(`[AUTH] Failed to reload ${path}: file not found`));
    expect(await me(first)).toBe(200);
    const second = await runCli(
      ['tokens', 'create', '--file', path, '--name', 'ci2', '--email', 'admin@example.com'],
      {
        env,
      },
    );
    const next = second.stdout.trim();
    await within(1000, async () => (await me(next)) === 200);
    expect(await me(first)).toBe(401);

    // As other editors save: write a temporary file and rename it over the old one.
    const listed = await runCli(['tokens', 'list', '--file', path, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id: 'ci2', user: 'admin@example.com', expired: false },
    ]);
    expect(listed.stdout).not.toContain(next);
    writeFileSync(join(dir, 'tokens.yaml.new'), 'tokens: {}\n');
    renameSync(join(dir, 'tokens.yaml.new'), path);
    await within(1000, async () => (await me(next)) === 401);
  });

  it('token file: revoke --file removes a token, which the server refuses within 1 s', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-files-'));
    const path = join(dir, 'tokens.yaml');
    const env = await start({
      AUTH_TOKEN_FILE: path,
      AUTH_TOKEN_FILE_DEFAULT_USER: 'admin@example.com',
    }).catch((error: Error) => error);
    // A configured file that does not exist is a start-up error, not an open door.
    expect(env).toBeInstanceOf(Error);
    writeFileSync(path, 'tokens:\n');
    const settings = await start({
      AUTH_TOKEN_FILE: path,
      AUTH_TOKEN_FILE_DEFAULT_USER: 'admin@example.com',
    });
    const token = (
      await runCli(['tokens', 'create', '--file', path, '--name', 'ops'], { env: settings })
    ).stdout.trim();
    await within(1000, async () => (await me(token)) === 200);
    const revoked = await runCli(['tokens', 'revoke', '--file', path, 'ops'], { env: settings });
    expect(revoked).toMatchObject({ code: 0, stdout: `removed ops from ${path}\n` });
    await within(1000, async () => (await me(token)) === 401);
  });

  it('user file: sessions survive a reload, disable ends them within 1 s, lockout survives, CLI edits apply', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-files-'));
    const path = join(dir, 'users.yaml');
    writeFileSync(path, 'users:\n');
    const env = await start({ AUTH_USER_FILE: path });
    const add = await runCli(
      ['users', 'add', '--file', path, 'alice', '--password', USER_PASSWORD, '--annotation', 'ops'],
      {
        env,
      },
    );
    expect(add.code).toBe(0);
    await within(1000, async () => (await login('alice', USER_PASSWORD)).status === 200);
    const session = (await login('alice', USER_PASSWORD)).token!;

    // Another user's edit reloads the file; alice's session is untouched.
    await runCli(['users', 'add', '--file', path, 'bob', '--password', USER_PASSWORD], { env });
    await within(1000, async () => (await login('bob', USER_PASSWORD)).status === 200);
    expect(await me(session)).toBe(200);

    // Three wrong passwords lock bob; a reload that changes bob's password keeps the lock.
    for (let i = 0; i < 3; i += 1) await login('bob', 'not the password at all');
    await runCli(['users', 'set-password', '--file', path, 'bob', '--password', 'a fresh long passphrase'], {
      env,
    });
    await within(1000, logged('file_user_updated'));
    expect((await login('bob', 'a fresh long passphrase')).status).toBe(401);
    const unlock = await runCli(['users', 'unlock', 'bob@users.invalid'], { env });
    expect(unlock.code).toBe(0);
    expect((await login('bob', 'a fresh long passphrase')).status).toBe(200);

    expect((await runCli(['users', 'disable', '--file', path, 'alice'], { env })).code).toBe(0);
    await within(1000, async () => (await me(session)) === 401);
    const listed = await runCli(['users', 'list', '--file', path, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { username: 'alice', enabled: false, annotation: 'ops' },
      { username: 'bob', enabled: true },
    ]);
    expect(listed.stdout).not.toContain('$argon2id');
    expect((await runCli(['users', 'delete', '--file', path, 'bob'], { env })).code).toBe(0);
    await within(1000, async () => (await login('bob', 'a fresh long passphrase')).status === 401);
    expect(server!.output()).not.toContain(USER_PASSWORD);
  });

  it('refuses to start when a file user has the name of a database user, saying which', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-files-'));
    const path = join(dir, 'users.yaml');
    database = await dialect.create();
    const env = { DATABASE_URL: database.url, PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD };
    await runCli(['users', 'add', 'carol@example.com', '--username', 'carol', '--password', USER_PASSWORD], {
      env,
    });
    await runCli(['users', 'add', '--file', path, 'carol', '--password', USER_PASSWORD], { env });
    const started = await runCli(['serve'], {
      env: { ...env, AUTH_USER_FILE: path, PORT: String(await freePort()) },
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(
      `AUTH_USER_FILE ${path}: users.carol: the username "carol" also belongs to a database user; rename one of them`,
    );
  });
});
