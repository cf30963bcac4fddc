import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { childEnv, GATEHOUSE_BIN, runCli } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

const PASSWORD = 'a long passphrase for stdio';
// Marks the fixture backend's processes, to prove none outlives `gatehouse stdio`.
const MARKER = `stdio-${randomBytes(4).toString('hex')}`;
let database: TestDatabase;
const keys: Record<string, string> = {};
const CLIENT = { name: 'raw', version: '1' };
const INITIALIZE = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: CLIENT };
const env = () => ({ DATABASE_URL: database.url, LOG_LEVEL: 'debug' });

function environOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return ''; // the process ended while we looked
  }
}

const backendProcesses = () =>
  readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && environOf(pid).includes(MARKER)).length;

async function noBackendProcessesLeft(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (backendProcesses() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(backendProcesses()).toBe(0);
}

/** `gatehouse stdio` driven over raw pipes: every stdout line, stderr, and the exit code. */
function rawStdio(extra: Record<string, string>, args: string[] = []) {
  const child: ChildProcess = spawn(process.execPath, [GATEHOUSE_BIN, 'stdio', ...args], {
    env: childEnv({ ...env(), ...extra }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    const parts = stdout.split('\n');
    stdout = parts.pop()!;
    lines.push(...parts);
    waiters.splice(0).forEach((wake) => wake());
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const send = (message: object) => child.stdin!.write(`${JSON.stringify(message)}\n`);
  const response = async (id: number) => {
    for (;;) {
      const line = lines.find((l) => JSON.parse(l).id === id);
      if (line) return JSON.parse(line);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const initialize = async () => {
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE });
    await response(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  };
  return { child, lines, send, response, initialize, exited, stderr: () => stderr, rest: () => stdout };
}

beforeAll(async () => {
  database = await DIALECTS[0]!.create();
  for (const email of ['alice@example.com', 'carol@example.com']) {
    const added = await runCli(['users', 'add', email, '--password', PASSWORD], { env: env() });
    expect(added.code, added.stderr).toBe(0);
    const key = await runCli(['tokens', 'create', '--email', email, '--name', 'desktop'], { env: env() });
    keys[email.split('@')[0]!] = key.stdout.trim();
  }
  // There is no backend CLI yet: write the backend and carol's policy straight to the database.
  const store = openStore(database.url);
  const backend = { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo'), env: { MARKER } };
  await store.backends.create('echo', backend, new Date());
  const carol = await store.users.findByEmail('carol@example.com');
  await store.users.update(carol!.id, { blockedMcps: ['echo'] }, new Date());
  await store.close();
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

describe('gatehouse stdio', () => {
  for (const era of [
    { name: '2025-11-25', versionNegotiation: { mode: 'legacy' as const } },
    { name: '2026-07-28', versionNegotiation: { mode: { pin: '2026-07-28' } } },
  ]) {
    it(`serves the aggregate to an SDK client over stdio (${era.name}) and exits when it closes`, async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [GATEHOUSE_BIN, 'stdio'],
        env: childEnv({ ...env(), GATEHOUSE_API_KEY: keys.alice! }) as Record<string, string>,
        stderr: 'pipe',
      });
      const errors: Error[] = [];
      const client = new Client({ name: 'e2e', version: '1.0.0' }, {
        versionNegotiation: era.versionNegotiation,
      } as never);
      client.onerror = (error) => errors.push(error);
      await client.connect(transport);
      expect(client.getNegotiatedProtocolVersion()).toBe(era.name);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('echo__echo');
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'over stdio' } });
      expect((result.content as { text: string }[])[0]?.text).toBe('over stdio');
      const pid = transport.pid!;
      await client.close();
      expect(() => process.kill(pid, 0)).toThrow();
      expect(errors).toEqual([]);
      await noBackendProcessesLeft();
    });
  }

  it('writes nothing but JSON-RPC to stdout (logs go to stderr) and exits 0 when stdin ends', async () => {
    const stdio = rawStdio({ GATEHOUSE_API_KEY: keys.alice! });
    await stdio.initialize();
    stdio.send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo__echo', arguments: { text: 'x' } },
    });
    expect((await stdio.response(2)).result.content[0].text).toBe('x');
    stdio.child.stdin!.end();
    expect(await stdio.exited).toBe(0);
    expect(stdio.rest()).toBe('');
    for (const line of stdio.lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(stdio.stderr()).toContain('serving on stdio');
    await noBackendProcessesLeft();
  });

  it('closes the gateway and its backends and exits 0 on SIGTERM', async () => {
    const stdio = rawStdio({ GATEHOUSE_API_KEY: keys.alice! });
    await stdio.initialize();
    stdio.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect((await stdio.response(2)).result.tools.length).toBeGreaterThan(0);
    expect(backendProcesses()).toBeGreaterThan(0);
    stdio.child.kill('SIGTERM');
    expect(await stdio.exited).toBe(0);
    await noBackendProcessesLeft();
  });

  it('closes with exit 1 once its key is revoked (re-checked every API_KEY_CACHE_TTL_SECONDS)', async () => {
    const made = await runCli(['tokens', 'create', '--email', 'alice@example.com', '--name', 'brief'], {
      env: env(),
    });
    const stdio = rawStdio({ GATEHOUSE_API_KEY: made.stdout.trim(), API_KEY_CACHE_TTL_SECONDS: '1' });
    await stdio.initialize();
    const id = /created key (\S+)/.exec(made.stderr)![1]!;
    expect((await runCli(['tokens', 'revoke', id], { env: env() })).code).toBe(0);
    expect(await stdio.exited).toBe(1);
    expect(stdio.stderr()).toContain('the credential is no longer valid');
  });

  it('refuses an invalid key with a message on stderr and exit 1, writing nothing to stdout', async () => {
    const run = await runCli(['stdio'], { env: { ...env(), GATEHOUSE_API_KEY: `mcpgw_${'x'.repeat(43)}` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the API key is invalid');
    expect(run.stdout).toBe('');
  });

  it('refuses a user whose policy blocks every backend with exit 1', async () => {
    const run = await runCli(['stdio', '--api-key', keys.carol!], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('All MCPs are blocked for your user');
    expect(run.stdout).toBe('');
  });

  it('serves a local user named with --user, and audits it', async () => {
    const stdio = rawStdio({}, ['--user', 'alice@example.com']);
    await stdio.initialize();
    stdio.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const tools = (await stdio.response(2)).result.tools.map((t: { name: string }) => t.name);
    expect(tools).toContain('echo__echo');
    stdio.child.stdin!.end();
    expect(await stdio.exited).toBe(0);
    const store = openStore(database.url);
    const events = await store.authEvents.list({ limit: 10, eventType: 'stdio_local_user' });
    await store.close();
    expect(events.map((e) => e.userEmail)).toEqual(['alice@example.com']);
  });

  it('exits 2 without a credential, or with both --api-key and --user', async () => {
    for (const args of [[], ['--api-key', 'k', '--user', 'a@example.com']])
      expect((await runCli(['stdio', ...args], { env: env() })).code).toBe(2);
  });
});
