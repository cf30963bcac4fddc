import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdioCommand, startEverythingHttp } from '../fixtures/mcp/everything.ts';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';
const ERAS = [
  { era: '2025-11-25 (sessions)', versionNegotiation: { mode: 'legacy' as const } },
  { era: '2026-07-28 (stateless)', versionNegotiation: { mode: { pin: '2026-07-28' } } },
];

let server: ServerProcess;
let database: TestDatabase;
const fixtures: FixtureServer[] = [];
const clients: Client[] = [];
let admin = '';
const keys: Record<string, string> = {};

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function connect(key: string, path = '/mcp', era = ERAS[0]!): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, {
    versionNegotiation: era.versionNegotiation,
  } as never);
  const transport = new StreamableHTTPClientTransport(new URL(`${server.baseUrl}${path}`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as { type: string; text?: string }[])[0]?.text ?? '') as string;

beforeAll(async () => {
  database = await DIALECTS[0]!.create();
  server = await startServerProcess({
    env: {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
    },
  });
  const login = await fetch(`${server.baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: ADMIN_PASSWORD }),
  });
  admin = ((await login.json()) as { access_token: string }).access_token;
  const web = await startFixtureServer({ transport: 'http', name: 'web' });
  const everythingHttp = await startEverythingHttp();
  fixtures.push(web, everythingHttp);
  for (const backend of [
    { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') },
    { name: 'web', transport: 'http', url: web.url, headers: { authorization: 'Bearer upstream-secret' } },
    { name: 'everything', transport: 'stdio', ...everythingStdioCommand() },
    { name: 'evhttp', transport: 'http', url: everythingHttp.url },
  ]) {
    const created = await api('POST', '/backends', admin, backend);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  for (const [user, access] of [
    ['alice', { allowed_mcps: [], blocked_mcps: [] }],
    ['bob', { allowed_mcps: ['echo'], blocked_mcps: [] }],
    ['carol', { allowed_mcps: [], blocked_mcps: ['echo', 'web', 'everything', 'evhttp'] }],
  ] as const) {
    expect(
      (await api('POST', '/users', admin, { username: user, email: `${user}@example.com` })).status,
    ).toBe(201);
    expect((await api('PUT', `/users/${user}/mcp-access`, admin, access)).status).toBe(200);
    keys[user] = (await api('POST', `/users/${user}/keys`, admin, { key_name: 'e2e' })).body.api_key;
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await server?.stop();
  await Promise.all(fixtures.map((f) => f.stop()));
  await database?.drop();
});

describe('the MCP gateway through a running Gatehouse', () => {
  it('answers 401 with a Bearer challenge without credentials, and never shows backend secrets', async () => {
    const response = await fetch(`${server.baseUrl}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({ error: 'Unauthorized' });
    const listed = await api('GET', '/backends', admin);
    expect(JSON.stringify(listed.body)).not.toContain('upstream-secret');
    expect(listed.body.backends.find((b: { name: string }) => b.name === 'web').headers).toEqual({
      authorization: '********',
    });
  });

  it('refuses a user whose every backend is blocked with the gateway-proxy 403', async () => {
    const response = await fetch(`${server.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.carol}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: 'access_denied',
      message: 'All MCPs are blocked for your user',
    });
  });

  for (const era of ERAS) {
    it(`lists and calls tools of stdio and HTTP backends over ${era.era}`, async () => {
      const client = await connect(keys.alice!, '/mcp', era);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining(['echo__echo', 'web__echo', 'everything__echo', 'evhttp__echo']),
      );
      const viaStdio = await client.callTool({ name: 'echo__echo', arguments: { text: 'hi stdio' } });
      expect(textOf(viaStdio)).toBe('hi stdio');
      const viaHttp = await client.callTool({ name: 'web__add', arguments: { a: 2, b: 3 } });
      expect(textOf(viaHttp)).toBe('5');
      const everything = await client.callTool({ name: 'everything__echo', arguments: { message: 'yo' } });
      expect(textOf(everything)).toContain('yo');
      const overHttp = await client.callTool({ name: 'evhttp__echo', arguments: { message: 'yo http' } });
      expect(textOf(overHttp)).toContain('yo http');
    });
  }

  it('shows each user only the backends their policy allows; a denied tool looks unknown', async () => {
    const bob = await connect(keys.bob!);
    const names = (await bob.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('echo__'))).toBe(true);
    expect(names.some((n) => n.startsWith('web__') || n.startsWith('everything__'))).toBe(false);
    const denied = await bob.callTool({ name: 'web__echo', arguments: { text: 'x' } }).catch((e: Error) => e);
    const unknown = await bob
      .callTool({ name: 'nope__echo', arguments: { text: 'x' } })
      .catch((e: Error) => e);
    expect(denied).toBeInstanceOf(Error);
    expect((denied as Error).message).toBe((unknown as Error).message.replace('nope__echo', 'web__echo'));
  });

  it('serves one backend unprefixed at /servers/{backend}/mcp, and hides a blocked one (404)', async () => {
    const client = await connect(keys.alice!, '/servers/web/mcp');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('web__echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'direct' } }))).toBe('direct');
    const blocked = await connect(keys.bob!, '/servers/web/mcp').catch((e: Error) => e);
    expect(blocked).toBeInstanceOf(Error);
  });

  it('binds a 2025 session to its identity: another identity presenting its id gets 404', async () => {
    const alice = await connect(keys.alice!);
    const sessionId = (alice.transport as StreamableHTTPClientTransport).sessionId;
    expect(sessionId).toBeTruthy();
    const hijack = await fetch(`${server.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.bob}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
    expect((await alice.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('reads resources and gets prompts through the aggregate, with URIs that map back', async () => {
    const client = await connect(keys.alice!);
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toContain('gatehouse:echo/fixture://info');
    const read = await client.readResource({ uri: 'gatehouse:echo/fixture://info' });
    expect(read.contents[0]?.uri).toBe('gatehouse:echo/fixture://info');
    const prompt = await client.getPrompt({ name: 'echo__greet', arguments: { name: 'Ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Ada');
  });

  it('shows backend health at /status (admin only)', async () => {
    const status = await api('GET', '/status', admin);
    expect(status.status).toBe(200);
    expect(status.body.backends.map((b: { name: string }) => b.name).sort()).toEqual([
      'echo',
      'everything',
      'evhttp',
      'web',
    ]);
    expect((await api('GET', '/status', keys.alice!)).status).toBe(403);
  });
});
