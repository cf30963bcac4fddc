// Keeps docs/authentication.md true: its curl commands run in order as one script, its TypeScript
// example (the official SDK client) runs as a file, and its `gatehouse serve --no-auth` commands
// run as written, each against a real Gatehouse; everything they print must be what the page shows.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/errors/index.ts';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { inlineCode, shellCommands } from './markdown.ts';
import {
  cliHelp,
  DOC_BASE_URL,
  gatehouseCommands,
  loadPage,
  outputMismatch,
  runShellBlocks,
  runTypeScriptBlock,
  shownOutput,
  showsOutput,
  unknownOptions,
  wrongDefaults,
} from './snippets.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUser,
  type Deployment,
  deploy,
  haveCommands,
  JANE_EMAIL,
  jwtClaims,
  request,
  TEST_SERVER_ENV,
  tokenFor,
} from './support.ts';

const page = loadPage('authentication.md');
const JANE_PASSWORD = 'Amber-Quartz-Meadow-5150';
const NO_AUTH = 'Development without authentication';
const sh = page.blocks.filter((b) => b.lang === 'sh');
const setup = sh.filter((b) => b.code.includes('export GATEHOUSE_URL'));
const script = sh.filter((b) => !setup.includes(b) && b.h2 !== NO_AUTH);
const noAuth = sh.filter((b) => b.h2 === NO_AUTH);
const typescript = page.blocks.filter((b) => b.lang === 'ts');
const canRunShell = haveCommands('bash', 'curl', 'jq');

/** The stderr lines of the --no-auth warning, as the page shows them. */
const shownAfter = (block: (typeof page.blocks)[number]) => shownOutput(page, block)?.code ?? '';

describe('docs/authentication.md, as text', () => {
  it('runs every sh and ts block it has: setup, the main script, the SDK example, the --no-auth commands', () => {
    expect(setup.map((b) => b.code)).toEqual([`export GATEHOUSE_URL=${DOC_BASE_URL}`]);
    expect(script.length).toBeGreaterThan(12);
    expect(typescript).toHaveLength(1);
    expect(noAuth.map((b) => shellCommands(b.code))).toEqual([
      ['gatehouse serve --no-auth'],
      ['curl -fsS "$GATEHOUSE_URL/auth/email/me" | jq -r .email'],
      ['HOST=0.0.0.0 gatehouse serve --no-auth', 'echo "exit code $?"'],
    ]);
    for (const block of page.blocks.filter((b) => !['sh', 'ts', 'text'].includes(b.lang)))
      expect.fail(`docs/authentication.md line ${block.line}: a ${block.lang || 'plain'} block no test runs`);
    expect(page.text).toContain(`\`${JANE_EMAIL}\` whose password is \`${JANE_PASSWORD}\``);
  });

  it('gives each error code of its table the status the catalogue gives it', () => {
    const section = page.text.slice(page.text.indexOf('\n## When Gatehouse refuses\n'));
    const rows = [...section.matchAll(/^\| `(\d{3})` \| `(\w+)` \|/gm)];
    expect(rows.map((r) => r[2])).toEqual([
      'Unauthorized',
      'forbidden',
      'password_change_required',
      'access_denied',
      'insufficient_scope',
      'rate_limited',
      'service_unavailable',
    ]);
    for (const [, status, code] of rows)
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status, code).toBe(Number(status));
    // "Gatehouse never answers 423 Locked": no code of the catalogue has that status.
    expect(Object.values(ERROR_CATALOGUE).map((entry): number => entry.status)).not.toContain(423);
  });

  it('names gatehouse commands and options that exist', { timeout: 120_000 }, async () => {
    const commands = gatehouseCommands([
      ...inlineCode(page.text),
      ...sh.flatMap((b) => shellCommands(b.code)),
    ]);
    expect(commands).toEqual(
      expect.arrayContaining(['serve --no-auth', 'jwt create --email … --exp MINUTES', 'tokens create']),
    );
    const help = cliHelp();
    for (const command of commands) expect(await unknownOptions(command, help), command).toEqual([]);
  });

  it('gives the settings it quotes their defaults', () => {
    expect(wrongDefaults(page.text)).toEqual([]);
  });

  it('quotes the failure messages authenticate_user really answers', () => {
    const source = readFileSync(
      new URL('../../src/gateway/serve/authenticate-user-tool.ts', import.meta.url),
      'utf8',
    );
    const start = page.text.indexOf('| `message` of a failure |');
    const section = page.text.slice(start, page.text.indexOf('\n\n', start));
    const messages = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    expect(messages).toHaveLength(3);
    for (const message of messages) expect(source).toContain(`'${message}'`);
  });
});

describe.each(DIALECTS)('docs/authentication.md on $name', (dialect) => {
  let deployment: Deployment;
  let base: string;
  beforeAll(async () => {
    // The page's 429 example needs the default per-IP limit.
    deployment = await deploy(dialect, { env: { AUTH_RATE_LIMIT_MAX_ATTEMPTS: '10' } });
    base = deployment.servers[0]!.baseUrl;
    const admin = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
    await createUser(base, admin, { email: JANE_EMAIL, password: JANE_PASSWORD, full_name: 'Jane Doe' });
    const backend = { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') };
    const created = await request(base, 'POST', '/backends', { token: admin, body: backend });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await deployment?.stop();
  });

  // Before the script: the script ends with the per-IP limit reached for this address.
  it('the TypeScript example logs in with authenticate_user through the SDK and lists the tools', async () => {
    const result = await runTypeScriptBlock(typescript[0]!, 'login-over-mcp.ts', {
      GATEHOUSE_URL: base,
      GATEHOUSE_PASSWORD: JANE_PASSWORD,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(showsOutput(shownAfter(typescript[0]!), result.stdout, base), result.stdout).toBe(true);
    const events = await request(base, 'GET', '/auth/email/admin/events?type=login_success&limit=5', {
      token: await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD),
    });
    expect(events.body.events.map((e: { user_email: string }) => e.user_email)).toContain(JANE_EMAIL);
  });

  it('a session token from authenticate_user lives 24 hours', async () => {
    const answer = await request(base, 'POST', '/mcp', {
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'authenticate_user', arguments: { username: JANE_EMAIL, password: JANE_PASSWORD } },
      },
    });
    const claims = jwtClaims(JSON.parse(answer.body.result.content[0].text).session_token);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(24 * 60 * 60);
  });

  it.skipIf(!canRunShell)(
    'its curl commands run as written, in order, and print what the page shows',
    { timeout: 90_000 },
    async () => {
      const run = await runShellBlocks(script, { GATEHOUSE_URL: base });
      expect(run.code, run.stderr).toBe(0);
      for (const block of script) {
        const shown = shownOutput(page, block);
        const actual = run.output.get(block.line) ?? '';
        if (shown)
          expect(showsOutput(shown.code, actual, base), outputMismatch(page, block, actual)).toBe(true);
        else expect(actual.trim(), `docs/authentication.md line ${block.line} prints nothing`).toBe('');
      }
    },
  );
});

describe.skipIf(!canRunShell)('docs/authentication.md: gatehouse serve --no-auth', () => {
  it(
    'serves on loopback with the loud warning, every request acting as the admin; refuses 0.0.0.0 with exit 2',
    { timeout: 90_000 },
    async () => {
      const [serveBlock, curlBlock, refuseBlock] = noAuth;
      const database = await DIALECTS[0]!.create();
      const env = { ...TEST_SERVER_ENV, DATABASE_URL: database.url };
      const args = shellCommands(serveBlock!.code)[0]!.split(' ').slice(1);
      const server = await startServerProcess({ env, args, readyTimeoutMs: 60_000 });
      try {
        expect(showsOutput(`…\n${shownAfter(serveBlock!)}\n…`, server.output(), server.baseUrl)).toBe(true);
        expect(server.output()).toContain('"security_event":"auth_disabled"');
        const run = await runShellBlocks([curlBlock!], { GATEHOUSE_URL: server.baseUrl });
        expect(run.code, run.stderr).toBe(0);
        const actual = run.output.get(curlBlock!.line) ?? '';
        expect(showsOutput(shownAfter(curlBlock!), actual, server.baseUrl), actual).toBe(true);
        expect((await request(server.baseUrl, 'GET', '/auth/session')).status).toBe(401);
        const keys = await request(server.baseUrl, 'POST', '/auth/keys', { body: { name: 'x' } });
        expect(keys.body).toEqual({ error: 'forbidden', message: 'Manage API keys from a login session' });
      } finally {
        await server.stop();
      }
      try {
        // The refusal is on stderr; the log lines and then `echo`'s line are on stdout.
        const run = await runShellBlocks([refuseBlock!], { DATABASE_URL: database.url }, { errexit: false });
        const stdout = (run.output.get(refuseBlock!.line) ?? '').trim().split('\n');
        const printed = `${run.stderr}\n${stdout.at(-1)}`;
        expect(showsOutput(`…\n${shownAfter(refuseBlock!)}`, printed, DOC_BASE_URL), printed).toBe(true);
      } finally {
        await database.drop();
      }
    },
  );
});
