import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdioCommand, startEverythingHttp } from '../fixtures/mcp/everything.ts';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import { ERAS, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest;
const fixtures: FixtureServer[] = [];
const keys: Record<string, string> = {};
const baseUrl = () => gateway.server.baseUrl;
const api = (method: string, path: string, token: string, body?: unknown) =>
  gateway.api(method, path, token, body);
const connect = (key: string, path = '/mcp', era = ERAS[0]!): Promise<Client> =>
  gateway.connect(key, era, {}, path);
let admin = '';

beforeAll(async () => {
  gateway = await startGateway();
  admin = gateway.admin;
  const web = await startFixtureServer({ transport: 'http', name: 'web' });
  const everythingHttp = await startEverythingHttp();
  fixtures.push(web, everythingHttp);
  for (const backend of [
    { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') },
    { name: 'web', transport: 'http', url: web.url, headers: { authorization: 'Bearer upstream-secret' } },
    { name: 'everything', transport: 'stdio', ...everythingStdioCommand() },
    { name: 'evhttp', transport: 'http', url: everythingHttp.url },
  ])
    await gateway.addBackend(backend);
  keys.alice = await gateway.addUser('alice');
  keys.bob = await gateway.addUser('bob', { allowed_mcps: ['echo'], blocked_mcps: [] });
  keys.carol = await gateway.addUser('carol', {
    allowed_mcps: [],
    blocked_mcps: ['echo', 'web', 'everything', 'evhttp'],
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(fixtures.map((f) => f.stop()));
});

describe('the MCP gateway through a running Gatehouse', () => {
  it('answers 401 with a Bearer challenge without credentials, and never shows backend secrets', async () => {
    const response = await fetch(`${baseUrl()}/mcp`, {
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
    const response = await fetch(`${baseUrl()}/mcp`, {
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
    const hijack = await fetch(`${baseUrl()}/mcp`, {
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

  it('answers a plain tools/call in a 2025 session as one JSON response, and one with a progress token as a stream', async () => {
    const client = await connect(keys.alice!);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const post = (meta?: Record<string, unknown>) =>
      fetch(`${baseUrl()}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${keys.alice}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'plain-1',
          method: 'tools/call',
          params: { name: 'echo__echo', arguments: { text: 'fast' }, ...(meta ? { _meta: meta } : {}) },
        }),
      });
    const plain = await post();
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(plain.headers.get('mcp-session-id')).toBe(sessionId);
    expect(await plain.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 'plain-1',
      result: { content: [{ text: 'fast' }] },
    });
    const withProgress = await post({ progressToken: 'p1' });
    expect(withProgress.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await withProgress.text()).toContain('"text":"fast"');
  });

  it('answers a 2025 session tools/call the SDK transport would refuse as it does: 406 without event streams in Accept, 415 for a text/plain body', async () => {
    const client = await connect(keys.alice!);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const post = (headers: Record<string, string>) =>
      fetch(`${baseUrl()}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${keys.alice}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'strict-1',
          method: 'tools/call',
          params: { name: 'echo__echo', arguments: { text: 'x' } },
        }),
      });
    const jsonOnly = await post({ 'content-type': 'application/json', accept: 'application/json' });
    expect(jsonOnly.status).toBe(406);
    expect(((await jsonOnly.json()) as { error: { code: number } }).error.code).toBe(-32000);
    const plainText = await post({
      'content-type': 'text/plain',
      accept: 'application/json, text/event-stream',
    });
    expect(plainText.status).toBe(415);
  });

  for (const era of ERAS) {
    it(`cancels a plain tools/call answered on the fast path when the client aborts it over ${era.era}`, async () => {
      const client = await connect(keys.alice!, '/mcp', era);
      const stats = async () =>
        JSON.parse(textOf(await client.callTool({ name: 'echo__stats', arguments: {} }))) as {
          slowCalls: number;
          cancelled: number;
        };
      const before = await stats();
      const abort = new AbortController();
      const call = client
        .callTool({ name: 'echo__slow', arguments: { ms: 30_000, steps: 300 } }, { signal: abort.signal })
        .catch((error: Error) => error);
      // Aborted once the backend has counted it: the cancellation must reach a running call.
      let running = await stats();
      for (let i = 0; i < 100 && running.slowCalls === before.slowCalls; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        running = await stats();
      }
      abort.abort();
      expect(await call).toBeInstanceOf(Error);
      let after = await stats();
      for (let i = 0; i < 100 && after.cancelled === before.cancelled; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await stats();
      }
      expect(after.cancelled).toBe(before.cancelled + 1);
    });
  }
});

describe('the 2026-07-28 tools/call fast path', () => {
  const envelope = (capabilities: Record<string, unknown> = {}) => ({
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  });
  const post = (
    params: Record<string, unknown>,
    headers: Record<string, string | null> = {},
  ): Promise<Response> => {
    const all: Record<string, string | null> = {
      authorization: `Bearer ${keys.alice}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': typeof params.name === 'string' ? params.name : null,
      ...headers,
    };
    const sent = Object.fromEntries(
      Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== null),
    );
    return fetch(`${baseUrl()}/mcp`, {
      method: 'POST',
      headers: sent,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'c-1', method: 'tools/call', params }),
    });
  };
  const answer = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as { error?: { code: number } },
  });

  for (const [what, params] of [
    ['a result', { name: 'echo__echo', arguments: { text: 'same' } }],
    ['a tool error result', { name: 'echo__add', arguments: { a: 'not a number' } }],
    ['an unknown tool', { name: 'echo__nope', arguments: {} }],
    ['an HTTP backend result', { name: 'web__add', arguments: { a: 1, b: 2 } }],
  ] as const) {
    it(`answers a plain call with ${what} exactly as the SDK path answers the same call`, async () => {
      // A client that declares roots may be asked questions: its calls always take the SDK path.
      const fast = await answer(await post({ ...params, _meta: envelope() }));
      const sdk = await answer(await post({ ...params, _meta: envelope({ roots: {} }) }));
      expect(fast.status).toBe(200);
      expect(fast).toEqual(sdk);
    });
  }

  it('gives a bad request the SDK answer: Mcp-Name that disagrees with the body, no MCP-Protocol-Version, an invalid envelope', async () => {
    const params = { name: 'echo__echo', arguments: { text: 'x' }, _meta: envelope() };
    const mismatch = await answer(await post(params, { 'mcp-name': 'echo__add' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error?.code).toBe(-32020);
    const noVersion = await answer(await post(params, { 'mcp-protocol-version': null }));
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error?.code).toBe(-32020);
    const badEnvelope = await answer(
      await post({ ...params, _meta: { ...envelope(), 'io.modelcontextprotocol/clientInfo': 7 } }),
    );
    expect(badEnvelope.status).toBe(400);
    expect(badEnvelope.body.error?.code).toBe(-32602);
    const badArguments = await answer(await post({ ...params, arguments: 'text' }));
    expect(badArguments.body.error?.code).toBe(-32602);
    for (const refused of [mismatch, noVersion, badEnvelope, badArguments]) {
      expect(JSON.stringify(refused.body)).not.toMatch(/ at .*\.(ts|js):\d+/);
    }
  });
});
