import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { eventually, textOf } from '../helpers/mcp-gateway.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, testRedis, uniquePrefix } from './redis-helpers.ts';
import { ADMIN, call, loginFor, replicaEnv, startReplica } from './replica-helpers.ts';

type Fetch = typeof fetch;

/** Which replica served each request a client made, in order. */
interface Route {
  method: string;
  replica: 'A' | 'B';
  sessionId: string | null;
}

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)(
  'MCP sessions across replicas (no session affinity)',
  { timeout: 60_000 },
  () => {
    const prefix = uniquePrefix('mcp-sessions');
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;
    let alice: string;
    let bob: string;
    const clients: Client[] = [];

    /**
     * A fetch that sends the first request (initialize, or the SSE GET) to A and every later one
     * to B, as a load balancer without affinity may; `routes` records where each went.
     */
    function splitFetch(routes: Route[]): Fetch {
      return (async (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(input instanceof Request ? input.url : input);
        const target = routes.length === 0 ? a : b;
        const served = new URL(target.baseUrl);
        url.host = served.host;
        const headers = new Headers(init?.headers);
        routes.push({
          method: init?.method ?? 'GET',
          replica: target === a ? 'A' : 'B',
          sessionId: headers.get('mcp-session-id'),
        });
        return fetch(url, init);
      }) as Fetch;
    }

    async function connectSplit(key: string, routes: Route[]): Promise<Client> {
      const client = new Client({ name: 'across-replicas', version: '1.0.0' }, {
        versionNegotiation: { mode: 'legacy' },
      } as ConstructorParameters<typeof Client>[1]);
      const transport = new StreamableHTTPClientTransport(new URL(`${a.baseUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: splitFetch(routes),
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    }

    function rawPost(replica: ServerProcess, key: string, sessionId: string, body: unknown) {
      return fetch(`${replica.baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify(body),
      });
    }

    const sessionOf = (client: Client) =>
      (client.transport as StreamableHTTPClientTransport).sessionId ?? 'no session';

    beforeAll(async () => {
      database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
      const env = replicaEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, prefix });
      a = await startReplica(env);
      b = await startReplica(env);
      const admin = await loginFor(a, ADMIN.email, ADMIN.password);
      const created = await call(a, 'POST', '/backends', {
        bearer: admin,
        body: { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const keys: string[] = [];
      for (const username of ['alice', 'bob']) {
        const user = await call(a, 'POST', '/users', {
          bearer: admin,
          body: { username, email: `${username}@example.com` },
        });
        expect(user.status).toBe(201);
        const key = await call(a, 'POST', `/users/${username}/keys`, {
          bearer: admin,
          body: { key_name: 'e2e' },
        });
        keys.push(key.body.api_key as string);
      }
      [alice, bob] = keys as [string, string];
      // B learns of the backend through Redis.
      await eventually(
        async () => {
          const status = await call(b, 'GET', '/status', { bearer: admin });
          return JSON.stringify(status.body).includes('"echo"') ? true : undefined;
        },
        10_000,
        'the backend on B',
      );
    }, 90_000);

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
      const redis = await testRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    it('a session opened through A continues through B: lists and calls answered in the same session', async () => {
      const routes: Route[] = [];
      const client = await connectSplit(alice, routes);
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toContain('echo__echo');
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'via B' } });
      expect(textOf(result)).toBe('via B');

      const session = sessionOf(client);
      expect(routes[0]).toMatchObject({ method: 'POST', replica: 'A', sessionId: null });
      const later = routes.slice(1);
      expect(later.length).toBeGreaterThanOrEqual(3);
      // Everything after initialize went to B, in the session A opened.
      expect(later.every((route) => route.replica === 'B' && route.sessionId === session)).toBe(true);
    });

    it('progress notifications of a call made through B stream back from the replica holding the session', async () => {
      const client = await connectSplit(alice, []);
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'echo__slow', arguments: { ms: 400, steps: 4 } },
        { onprogress: (update) => progress.push(update.progress) },
      );
      expect(textOf(result)).toBe('slept 400 ms');
      // The SDK may drop the last one when the result overtakes it (as without a second replica).
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress).toEqual([1, 2, 3, 4].slice(0, progress.length));
    });

    it('a notification outside any call reaches the client on its GET stream, opened through B', async () => {
      const routes: Route[] = [];
      const client = await connectSplit(alice, routes);
      let changes = 0;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        changes += 1;
      });
      await eventually(
        async () =>
          routes.some((route) => route.method === 'GET' && route.replica === 'B') ? true : undefined,
        5_000,
        'the GET stream through B',
      );
      // The backend's tool list changes; the gateway tells every session on its notification stream.
      // The stream opens in the background, so the change is made again until one arrives.
      await eventually(
        async () => {
          await client.callTool({ name: 'echo__change_tools', arguments: {} });
          await eventually(async () => (changes > 0 ? true : undefined), 2_000, 'list_changed');
          return true;
        },
        15_000,
        'tools/list_changed through B',
      );
      expect(changes).toBeGreaterThan(0);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names.some((name) => name.startsWith('echo__dynamic_'))).toBe(true);
    });

    it('another identity presenting the session id through B gets 404, as for an unknown session', async () => {
      const client = await connectSplit(alice, []);
      const response = await rawPost(b, bob, sessionOf(client), {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/list',
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: -32001 } });
      // The session itself is untouched.
      expect(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'still mine' } }))).toBe(
        'still mine',
      );
    });

    it('a forged forwarding marker does not let a request reach a session held elsewhere', async () => {
      const client = await connectSplit(alice, []);
      const response = await fetch(`${b.baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${alice}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionOf(client),
          'mcp-protocol-version': '2025-11-25',
          'x-gatehouse-forwarded': '1',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }),
      });
      // B serves it as its own request: B does not hold the session, so it does not exist there.
      expect(response.status).toBe(404);
    });

    it('DELETE through B ends the session on A', async () => {
      const routes: Route[] = [];
      const client = await connectSplit(alice, routes);
      const session = sessionOf(client);
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      expect(routes.at(-1)).toMatchObject({ method: 'DELETE', replica: 'B', sessionId: session });
      for (const replica of [a, b]) {
        const response = await rawPost(replica, alice, session, {
          jsonrpc: '2.0',
          id: 9,
          method: 'tools/list',
        });
        expect(response.status).toBe(404);
      }
    });

    it('a legacy SSE stream opened on A answers the messages its client posts through B', async () => {
      const routes: Route[] = [];
      const client = new Client({ name: 'sse-across-replicas', version: '1.0.0' });
      const transport = new SSEClientTransport(new URL(`${a.baseUrl}/sse`), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
        eventSourceInit: { fetch: splitFetch(routes) },
        fetch: splitFetch(routes),
      });
      await client.connect(transport);
      clients.push(client);
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'sse via B' } });
      expect(textOf(result)).toBe('sse via B');
      expect(routes[0]).toMatchObject({ method: 'GET', replica: 'A' });
      expect(routes.filter((route) => route.method === 'POST').every((route) => route.replica === 'B')).toBe(
        true,
      );
    });

    it('once the replica holding a session is gone, B answers 404 (the client opens a new session, through B)', async () => {
      const client = await connectSplit(alice, []);
      const session = sessionOf(client);
      await a.stop();
      const response = await rawPost(b, alice, session, { jsonrpc: '2.0', id: 10, method: 'tools/list' });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: -32001 } });
      // B forgot the record of the dead replica.
      const redis = await testRedis();
      try {
        expect(await redis.get(`${prefix}mcp-session:${session}`)).toBeNull();
      } finally {
        await redis.quit();
      }
      const fresh = new Client({ name: 'after-failover', version: '1.0.0' });
      await fresh.connect(
        new StreamableHTTPClientTransport(new URL(`${b.baseUrl}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${alice}` } },
        }),
      );
      clients.push(fresh);
      expect(textOf(await fresh.callTool({ name: 'echo__echo', arguments: { text: 'on B' } }))).toBe('on B');
    });
  },
);
