import { type Client, ProtocolError, type StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import { ERAS, eventually, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';

// Small enough that a test waiting it out would notice, large enough for a busy 2-core machine.
const FLAKY_TIMEOUT_MS = 10_000;
const DOWN_CONNECT_TIMEOUT_MS = 10_000;

let gateway: GatewayUnderTest;
let web: FixtureServer;
let down: FixtureServer | null = null;
let alice = '';

interface BackendStatus {
  name: string;
  state: string;
  lastError: string | null;
  restarts: number;
}

async function status(name: string): Promise<BackendStatus> {
  const response = await gateway.api('GET', '/status', gateway.admin);
  expect(response.status).toBe(200);
  return (response.body.backends as BackendStatus[]).find((b) => b.name === name)!;
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

async function pidOf(client: Client, backend: string): Promise<number> {
  return (
    JSON.parse(textOf(await client.callTool({ name: `${backend}__whoami`, arguments: {} }))) as {
      pid: number;
    }
  ).pid;
}

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface RawAnswer {
  status: number;
  text: string;
  /** The JSON-RPC message of the answer, whether sent as JSON or as one SSE event. */
  message: { id?: unknown; error?: { code: number; message: string }; result?: unknown } | null;
}

/** POSTs `body` to /mcp as alice, by hand: the SDK client would never send these. */
async function rawPost(body: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(`${gateway.server.baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${alice}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
        .map((line) => line.slice('data: '.length))
        .at(-1)
    : text;
  return { status: response.status, text, message: json ? JSON.parse(json) : null };
}

/** Headers of a request inside alice's initialized 2025-11-25 session. */
async function legacySession(): Promise<Record<string, string>> {
  const client = await gateway.connect(alice, ERAS[0]!);
  const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
  expect(sessionId).toBeTruthy();
  return { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-11-25' };
}

/** A stateless 2026-07-28 request of `method`, with the per-request protocol envelope. */
function modernRequest(method: string, params: Record<string, unknown> = {}) {
  return {
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: MODERN_META } }),
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method },
  };
}

const STACK_TRACE = /\bat .+:\d+:\d+|node:internal|\.ts:\d+/;

/** Settles `promise` and says how long that took. */
async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - started };
}

beforeAll(async () => {
  gateway = await startGateway();
  web = await startFixtureServer({ transport: 'http', name: 'web' });
  await gateway.addBackend({
    name: 'flaky',
    transport: 'stdio',
    timeoutMs: FLAKY_TIMEOUT_MS,
    ...stdioFixtureCommand('flaky'),
  });
  await gateway.addBackend({ name: 'steady', transport: 'stdio', ...stdioFixtureCommand('steady') });
  await gateway.addBackend({ name: 'web', transport: 'http', url: web.url });
  alice = await gateway.addUser('alice');
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await web?.stop();
  await down?.stop();
});

describe('faults behind /mcp', () => {
  for (const era of ERAS) {
    it(`fails calls on a crashed stdio backend promptly, keeps the others serving, and restarts it over ${era.era}`, async () => {
      const client = await gateway.connect(alice, era);
      const crasher = await gateway.connect(alice, era);
      const pidBefore = await pidOf(client, 'flaky');
      const restartsBefore = (await status('flaky')).restarts;

      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      // Would answer after 60 s, and time out after FLAKY_TIMEOUT_MS, if the crash went unnoticed.
      const inFlight = timed(
        client
          .callTool(
            { name: 'flaky__slow', arguments: { ms: 60_000, steps: 600 } },
            { onprogress: () => started() },
          )
          .catch((error: unknown) => error),
      );
      await running;
      const crash = await timed(
        crasher.callTool({ name: 'flaky__crash', arguments: {} }).catch((error: unknown) => error),
      );
      const slow = await inFlight;

      for (const outcome of [crash, slow]) {
        expect(outcome.value).toBeInstanceOf(ProtocolError);
        expect((outcome.value as ProtocolError).code).toBe(-32603);
        expect((outcome.value as Error).message).toContain('flaky');
        expect((outcome.value as Error).message).not.toMatch(/did not answer|\n\s+at /);
        expect(outcome.ms).toBeLessThan(FLAKY_TIMEOUT_MS);
      }

      // The other backends serve while the crashed one is down or restarting.
      expect(textOf(await client.callTool({ name: 'steady__echo', arguments: { text: 'still here' } }))).toBe(
        'still here',
      );
      expect(textOf(await client.callTool({ name: 'web__add', arguments: { a: 1, b: 2 } }))).toBe('3');
      expect(await toolNames(client)).toEqual(expect.arrayContaining(['steady__echo', 'web__echo']));

      const pidAfter = await eventually(
        async () => pidOf(client, 'flaky'),
        20_000,
        'the crashed backend serving again',
      );
      expect(pidAfter).not.toBe(pidBefore);
      expect(textOf(await client.callTool({ name: 'flaky__echo', arguments: { text: 'back' } }))).toBe(
        'back',
      );
      const after = await status('flaky');
      expect(after.state).toBe('ready');
      expect(after.restarts).toBeGreaterThan(restartsBefore);
    });
  }

  it('reports an HTTP backend that went down in /status and drops its tools, while the others list and call', async () => {
    down = await startFixtureServer({ transport: 'http', name: 'down' });
    await gateway.addBackend({
      name: 'down',
      transport: 'http',
      url: down.url,
      connectTimeoutMs: DOWN_CONNECT_TIMEOUT_MS,
    });
    const client = await gateway.connect(alice, ERAS[0]!);
    await eventually(
      async () => ((await toolNames(client)).includes('down__echo') ? true : undefined),
      10_000,
      'the new backend listed',
    );
    expect(textOf(await client.callTool({ name: 'down__echo', arguments: { text: 'up' } }))).toBe('up');

    const downUrl = down.url;
    await down.stop();
    down = null;

    // The gateway notices by itself (its stream to the backend broke), with no call needed.
    const reported = await eventually(
      async () => {
        const now = await status('down');
        return now.state === 'failed' ? now : undefined;
      },
      20_000,
      'the down backend reported in /status',
    );
    expect(reported.lastError).toEqual(expect.stringContaining('"down" is unreachable'));
    expect(reported.lastError).not.toContain(new URL(downUrl).host);

    for (const era of ERAS) {
      const viewer = await gateway.connect(alice, era);
      // Were a listing to wait for the down backend's next restart attempt (0.5 s, doubling, up to its
      // connect timeout), these would take longer than that timeout.
      const started = performance.now();
      for (let listing = 0; listing < 8; listing += 1) {
        const names = await toolNames(viewer);
        expect(names.filter((name) => name.startsWith('down__'))).toEqual([]);
        expect(names).toEqual(expect.arrayContaining(['flaky__echo', 'steady__echo', 'web__echo']));
      }
      expect(performance.now() - started).toBeLessThan(DOWN_CONNECT_TIMEOUT_MS);
      expect(textOf(await viewer.callTool({ name: 'web__echo', arguments: { text: 'web ok' } }))).toBe(
        'web ok',
      );
      expect(textOf(await viewer.callTool({ name: 'steady__echo', arguments: { text: 'ok' } }))).toBe('ok');
      const refused = await viewer
        .callTool({ name: 'down__echo', arguments: { text: 'x' } })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ProtocolError);
    }
    expect((await status('web')).state).toBe('ready');
  });
});

describe('malformed input on /mcp (no answer carries a stack trace)', () => {
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const answer = await rawPost(body, headers);
    expect(answer.text).not.toMatch(STACK_TRACE);
    return answer;
  };

  it('answers a body that is not JSON with -32700 and HTTP 400, with or without a session', async () => {
    for (const headers of [{}, await legacySession()]) {
      const answer = await post('{"jsonrpc": "2.0", "id": 1, "method": ', headers);
      expect(answer.status).toBe(400);
      expect(answer.message?.error?.code).toBe(-32700);
    }
  });

  it('answers JSON that is not a JSON-RPC request with -32600', async () => {
    for (const headers of [{}, await legacySession()]) {
      for (const body of ['{"jsonrpc":"2.0"}', '42', '{"jsonrpc":"1.0","id":1,"method":"tools/list"}']) {
        const answer = await post(body, headers);
        expect(answer.status, body).toBe(400);
        expect(answer.message?.error?.code, body).toBe(-32600);
      }
    }
  });

  it('answers an unknown method with -32601 in an initialized 2025 session', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'no/such_method', params: {} });
    const answer = await post(body, await legacySession());
    expect(answer.message).toMatchObject({ id: 3, error: { code: -32601 } });
  });

  it('answers an unknown method with -32601 over 2026-07-28', async () => {
    const request = modernRequest('no/such_method');
    const answer = await post(request.body, request.headers);
    expect(answer.message).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it('answers tools/call without a name with -32602 over both generations', async () => {
    const legacy = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { arguments: {} } }),
      await legacySession(),
    );
    expect(legacy.message).toMatchObject({ id: 4, error: { code: -32602 } });
    const request = modernRequest('tools/call', { arguments: {} });
    const modern = await post(request.body, request.headers);
    expect(modern.message).toMatchObject({ id: 7, error: { code: -32602 } });
  });

  it('refuses a browser Origin that is not allowed with 403, before any MCP handling', async () => {
    const answer = await post(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }), {
      origin: 'https://evil.example',
    });
    expect(answer.status).toBe(403);
    expect(answer.message?.result).toBeUndefined();
  });

  it('refuses a text/plain body with 415', async () => {
    const answer = await post(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }), {
      'content-type': 'text/plain',
    });
    expect(answer.status).toBe(415);
  });
});
