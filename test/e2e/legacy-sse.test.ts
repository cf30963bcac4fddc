import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';
let server: ServerProcess;
let database: TestDatabase;
const clients: Client[] = [];
const streams: AbortController[] = [];
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

async function connect(key: string, path = '/sse'): Promise<Client> {
  const client = new Client({ name: 'e2e-sse', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(`${server.baseUrl}${path}`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Opens a raw `GET /sse` stream; resolves to its status and, on 200, the announced endpoint. */
async function openStream(key: string | null, path = '/sse', origin?: string) {
  const aborter = new AbortController();
  streams.push(aborter);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (origin) headers.origin = origin;
  const response = await fetch(`${server.baseUrl}${path}`, { headers, signal: aborter.signal });
  if (response.status !== 200) return { status: response.status, body: await response.json(), aborter };
  const reader = response.body!.getReader();
  let text = '';
  while (!/\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const endpoint = /^event: endpoint\ndata: (\S+)$/m.exec(text)?.[1];
  return { status: 200, endpoint: endpoint!, aborter };
}

function post(endpoint: string, key: string | null, body: string) {
  return fetch(`${server.baseUrl}${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
}

const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
const textOf = (result: { content?: unknown }) => (result.content as { text?: string }[])[0]?.text;

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
  const admin = ((await login.json()) as { access_token: string }).access_token;
  for (const name of ['echo', 'other']) {
    const created = await api('POST', '/backends', admin, {
      name,
      transport: 'stdio',
      ...stdioFixtureCommand(name),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  for (const [user, access] of [
    ['alice', { allowed_mcps: [], blocked_mcps: [] }],
    ['bob', { allowed_mcps: ['echo'], blocked_mcps: [] }],
    ['carol', { allowed_mcps: [], blocked_mcps: ['echo', 'other'] }],
    ['dave', { allowed_mcps: [], blocked_mcps: [] }],
  ] as const) {
    expect(
      (await api('POST', '/users', admin, { username: user, email: `${user}@example.com` })).status,
    ).toBe(201);
    expect((await api('PUT', `/users/${user}/mcp-access`, admin, access)).status).toBe(200);
    keys[user] = (await api('POST', `/users/${user}/keys`, admin, { key_name: 'e2e' })).body.api_key;
  }
  keys.alice2 = (await api('POST', '/users/alice/keys', admin, { key_name: 'second' })).body.api_key;
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  streams.forEach((s) => s.abort());
  await server?.stop();
  await database?.drop();
});

describe('the legacy HTTP+SSE endpoints', () => {
  it('serve the aggregate to the SDK SSE client: list and call tools at /sse', async () => {
    const client = await connect(keys.alice!);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo__echo', 'other__echo']));
    expect(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'old client' } }))).toBe(
      'old client',
    );
  });

  it('serve one backend unprefixed at /servers/{backend}/sse; a refused or unknown backend is 404', async () => {
    const client = await connect(keys.bob!, '/servers/echo/sse');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'one' } }))).toBe('one');
    expect((await openStream(keys.bob!, '/servers/other/sse')).status).toBe(404);
    expect((await openStream(keys.alice!, '/servers/nope/sse')).status).toBe(404);
    const stream = await openStream(keys.alice!, '/servers/echo/sse');
    expect(stream.endpoint).toMatch(/^\/servers\/echo\/message\?sessionId=/);
  });

  it('bind a session to its identity: another user or another key of the same user gets 404', async () => {
    const { endpoint } = await openStream(keys.alice!);
    expect(endpoint).toMatch(/^\/message\?sessionId=[0-9a-f-]{36}$/);
    for (const other of [keys.bob!, keys.alice2!]) {
      const hijack = await post(endpoint!, other, PING);
      expect(hijack.status).toBe(404);
      expect(((await hijack.json()) as { error: { code: number } }).error.code).toBe(-32001);
    }
    expect(
      (await post('/message?sessionId=00000000-0000-0000-0000-000000000000', keys.alice!, PING)).status,
    ).toBe(404);
    expect(
      (await post(endpoint!.replace('/message', '/servers/echo/message'), keys.alice!, PING)).status,
    ).toBe(404);
    expect((await post(endpoint!, keys.alice!, PING)).status).toBe(202);
  });

  it('answer 401 with a Bearer challenge without Authorization, on the GET and on a POST', async () => {
    const stream = await openStream(null);
    expect(stream.status).toBe(401);
    expect(stream.body).toEqual({ error: 'Unauthorized' });
    const { endpoint } = await openStream(keys.alice!);
    const response = await post(endpoint!, null, PING);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answer a POST that is not JSON with 400 and a JSON-RPC -32700 error', async () => {
    const { endpoint } = await openStream(keys.alice!);
    const response = await post(endpoint!, keys.alice!, '{"jsonrpc": "2.0", ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    });
  });

  it('refuse a user whose every backend is blocked (403) and a foreign browser Origin (403)', async () => {
    const blocked = await openStream(keys.carol!);
    expect(blocked.status).toBe(403);
    expect(blocked.body).toEqual({ error: 'access_denied', message: 'All MCPs are blocked for your user' });
    expect((await openStream(keys.alice!, '/sse', 'https://evil.example')).status).toBe(403);
  });

  it('close a session when its stream closes, and cap open streams per user (429)', async () => {
    const open = await Promise.all(Array.from({ length: 20 }, () => openStream(keys.dave!)));
    expect(open.every((s) => s.status === 200)).toBe(true);
    const refused = await openStream(keys.dave!);
    expect(refused.status).toBe(429);
    open[0]!.aborter.abort();
    const deadline = Date.now() + 5_000;
    let status = 202;
    while (status !== 404 && Date.now() < deadline) {
      status = (await post(open[0]!.endpoint!, keys.dave!, PING)).status;
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(404);
    expect((await openStream(keys.dave!)).status).toBe(200);
  });
});
