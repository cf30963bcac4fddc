import {
  type Client,
  LOG_LEVEL_META_KEY,
  type StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import {
  ERAS,
  type Era,
  eventually,
  type GatewayUnderTest,
  startGateway,
  textOf,
} from '../helpers/mcp-gateway.ts';

// Backend log messages (notifications/message) and resource updates reaching downstream clients.
// echo: a shared stdio backend (2025-11-25); web: sessionful Streamable HTTP (2025-11-25);
// modern: a stateless 2026-07-28 backend; mine: a stdio backend with a process per user.
let gateway: GatewayUnderTest;
const fixtures: FixtureServer[] = [];
let alice = '';
let bob = '';

interface Logged {
  level: string;
  logger?: string;
  data: unknown;
}

/** Collects the log messages a client receives. */
function logsOf(client: Client): Logged[] {
  const seen: Logged[] = [];
  client.setNotificationHandler('notifications/message', (notification) => {
    const { level, logger, data } = notification.params;
    seen.push({ level, data, ...(logger !== undefined && { logger }) });
  });
  return seen;
}

/** Calls `{backend}__log`; a 2026-07-28 call asks for `level` in its `_meta` (none when null). */
async function log(
  client: Client,
  backend: string,
  args: Record<string, unknown>,
  level: string | null = null,
): Promise<string> {
  const meta = level === null ? {} : { _meta: { [LOG_LEVEL_META_KEY]: level } };
  return textOf(await client.callTool({ name: `${backend}__log`, arguments: args, ...meta }));
}

const MODERN = ERAS[1]!;
const LEGACY = ERAS[0]!;

beforeAll(async () => {
  gateway = await startGateway();
  const web = await startFixtureServer({ transport: 'http', name: 'web' });
  const modern = await startFixtureServer({ transport: 'modern', name: 'modern' });
  fixtures.push(web, modern);
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  await gateway.addBackend({ name: 'web', transport: 'http', url: web.url });
  await gateway.addBackend({ name: 'modern', transport: 'http', url: modern.url });
  await gateway.addBackend({
    name: 'mine',
    transport: 'stdio',
    isolation: 'per-user',
    ...stdioFixtureCommand('mine'),
  });
  alice = await gateway.addUser('alice');
  bob = await gateway.addUser('bob');
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(fixtures.map((fixture) => fixture.stop()));
});

describe('backend log messages through /mcp', () => {
  const asked = (era: Era) => (era === MODERN ? 'debug' : null);

  for (const era of ERAS) {
    for (const backend of ['echo', 'web', 'modern']) {
      it(`delivers a log message the ${backend} backend sends during a call to the calling client, its logger naming the backend, over ${era.era}`, async () => {
        const client = await gateway.connect(alice, era);
        // A 2025 session asks with logging/setLevel (a 2026-07-28 backend logs only when asked).
        if (era === LEGACY) await client.setLoggingLevel('debug');
        const seen = logsOf(client);
        const args = { level: 'notice', message: `hello from ${backend}`, logger: 'db' };
        expect(await log(client, backend, args, asked(era))).toBe('logged notice');
        await eventually(async () => (seen.length > 0 ? true : undefined), 10_000, 'the log message');
        expect(seen).toEqual([{ level: 'notice', logger: `${backend}/db`, data: `hello from ${backend}` }]);
      });
    }
  }

  it('names the backend as the logger when the backend names none', async () => {
    const client = await gateway.connect(alice, LEGACY);
    const seen = logsOf(client);
    expect(await log(client, 'echo', { level: 'info', message: 'plain' })).toBe('logged info');
    await eventually(async () => (seen.length > 0 ? true : undefined), 10_000, 'the log message');
    expect(seen).toEqual([{ level: 'info', logger: 'echo', data: 'plain' }]);
  });

  it('forwards only the levels a 2025 session asked for with logging/setLevel', async () => {
    const client = await gateway.connect(alice, LEGACY);
    const seen = logsOf(client);
    await client.setLoggingLevel('warning');
    expect(await log(client, 'echo', { level: 'info', message: 'too chatty' })).toBe('logged info');
    expect(await log(client, 'echo', { level: 'error', message: 'it broke' })).toBe('logged error');
    await eventually(async () => (seen.length > 0 ? true : undefined), 10_000, 'the error message');
    expect(seen).toEqual([{ level: 'error', logger: 'echo', data: 'it broke' }]);
  });

  for (const backend of ['echo', 'modern']) {
    it(`forwards a ${backend} log message over 2026-07-28 only at or above the level the request's _meta names, and none without one`, async () => {
      const client = await gateway.connect(alice, MODERN);
      const seen = logsOf(client);
      expect(await log(client, backend, { level: 'error', message: 'unasked' })).toBe('logged error');
      expect(await log(client, backend, { level: 'info', message: 'below' }, 'warning')).toBe('logged info');
      expect(await log(client, backend, { level: 'error', message: 'wanted' }, 'warning')).toBe(
        'logged error',
      );
      await eventually(async () => (seen.length > 0 ? true : undefined), 10_000, 'the wanted message');
      expect(seen).toEqual([{ level: 'error', logger: backend, data: 'wanted' }]);
    });
  }

  it('keeps the logger as the backend sent it on /servers/{backend}/mcp', async () => {
    const client = await gateway.connect(alice, LEGACY, {}, '/servers/echo/mcp');
    const seen = logsOf(client);
    const result = await client.callTool({
      name: 'log',
      arguments: { level: 'info', message: 'direct', logger: 'db' },
    });
    expect(textOf(result)).toBe('logged info');
    await eventually(async () => (seen.length > 0 ? true : undefined), 10_000, 'the log message');
    expect(seen).toEqual([{ level: 'info', logger: 'db', data: 'direct' }]);
  });

  it("does not forward a shared backend's log message when calls of two identities are in flight on it", async () => {
    const first = await gateway.connect(alice, LEGACY);
    const second = await gateway.connect(bob, LEGACY);
    const seenFirst = logsOf(first);
    const seenSecond = logsOf(second);
    const before = JSON.parse(textOf(await first.callTool({ name: 'echo__stats', arguments: {} })));
    const abort = new AbortController();
    const slow = first
      .callTool({ name: 'echo__slow', arguments: { ms: 30_000, steps: 300 } }, { signal: abort.signal })
      .catch((error: Error) => error);
    // The slow call is running upstream once the backend has counted it.
    await eventually(
      async () => {
        const now = JSON.parse(textOf(await second.callTool({ name: 'echo__stats', arguments: {} })));
        return now.slowCalls > before.slowCalls ? true : undefined;
      },
      10_000,
      'the slow call upstream',
    );
    expect(await log(second, 'echo', { level: 'error', message: 'whose?' })).toBe('logged error');
    abort.abort();
    await slow;
    expect(seenSecond).toEqual([]);
    expect(seenFirst).toEqual([]);
  });

  it("sends a per-user backend's log message outside any call to that user's sessions", async () => {
    const client = await gateway.connect(alice, LEGACY);
    const seen = logsOf(client);
    // The session's notification stream (its GET) opens in the background after initialization; a
    // message sent before it is open is not delivered, so the backend is asked again until one is.
    await eventually(
      async () => {
        expect(await log(client, 'mine', { level: 'info', message: 'later', later: true })).toBe(
          'will log info',
        );
        await eventually(async () => (seen.length > 0 ? true : undefined), 2_000, 'the later message');
        return true;
      },
      20_000,
      "the per-user backend's message",
    );
    expect(seen[0]).toEqual({ level: 'info', logger: 'mine', data: 'later' });
  });
});

describe('resource updates through /mcp (2025 sessions)', () => {
  const uri = 'gatehouse:echo/fixture://info';
  const touch = async (client: Client) =>
    textOf(await client.callTool({ name: 'echo__touch', arguments: { uri: 'fixture://info' } }));

  it('forwards notifications/resources/updated for a subscribed resource with its gateway URI, and stops after unsubscribe', async () => {
    const client = await gateway.connect(alice, LEGACY);
    const updates: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updates.push(notification.params.uri);
    });
    expect(await touch(client)).toBe('not subscribed');
    await client.subscribeResource({ uri });
    // Updates arrive on the session's GET stream, which opens in the background.
    await eventually(
      async () => {
        expect(await touch(client)).toBe('updated');
        await eventually(async () => (updates.length > 0 ? true : undefined), 2_000, 'the update');
        return true;
      },
      20_000,
      'a resource update',
    );
    expect(new Set(updates)).toEqual(new Set([uri]));
    await client.unsubscribeResource({ uri });
    expect(await touch(client)).toBe('not subscribed');
  });

  it('keeps the upstream subscription while any session holds it, and drops it when the last one ends', async () => {
    const first = await gateway.connect(alice, LEGACY);
    const second = await gateway.connect(bob, LEGACY);
    await first.subscribeResource({ uri });
    await second.subscribeResource({ uri });
    await first.unsubscribeResource({ uri });
    expect(await touch(first)).toBe('updated');
    await (second.transport as StreamableHTTPClientTransport).terminateSession();
    await eventually(
      async () => ((await touch(first)) === 'not subscribed' ? true : undefined),
      10_000,
      'the upstream unsubscribe',
    );
  });

  it('refuses a subscription to a resource of a backend the caller cannot see, as an unknown resource', async () => {
    const client = await gateway.connect(alice, LEGACY);
    const refused = await client.subscribeResource({ uri: 'gatehouse:nope/fixture://info' }).catch((e) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(String(refused.message)).toContain('Resource gatehouse:nope/fixture://info not found');
  });
});
