import { afterEach, describe, expect, it } from 'vitest';
import { BackendConnection, BackendPool, type ListKind } from '../../../src/gateway/upstream/index.ts';
import { type FixtureServer, startFixtureServer } from '../../fixtures/mcp/start-fixture.ts';
import { backend, textOf, waitFor } from './helpers.ts';

describe('upstream session expiry', () => {
  const servers = new Set<FixtureServer>();
  const connections = new Set<BackendConnection>();

  async function start(transport: 'http' | 'sse' | 'modern', port?: number): Promise<FixtureServer> {
    const server = await startFixtureServer({ transport, port });
    servers.add(server);
    return server;
  }

  function connect(transport: 'http' | 'sse', url: string): BackendConnection {
    const connection = new BackendConnection(backend({ name: 'remote', transport, url }));
    connections.add(connection);
    return connection;
  }

  afterEach(async () => {
    await Promise.all([...connections].map((connection) => connection.close()));
    await Promise.all([...servers].map((server) => server.stop()));
    connections.clear();
    servers.clear();
  });

  it('re-initializes once when the HTTP backend answers 404 for a forgotten session, and retries the call', async () => {
    const server = await start('http');
    const connection = connect('http', server.url);
    const changes: ListKind[] = [];
    connection.onListChanged((kind) => changes.push(kind));
    await connection.connect();
    await connection.listTools();
    await connection.callTool('forget_sessions');

    expect(textOf(await connection.callTool('echo', { text: 'after expiry' }))).toBe('after expiry');
    expect(connection.state).toBe('ready');
    // A new session may serve different lists, so consumers are told to list again.
    expect(changes).toEqual(['tools', 'resources', 'prompts']);
  });

  it('shares one re-initialization between concurrent calls that hit the expired session', async () => {
    const server = await start('http');
    const connection = connect('http', server.url);
    const changes: ListKind[] = [];
    connection.onListChanged((kind) => changes.push(kind));
    await connection.connect();
    await connection.callTool('forget_sessions');

    const results = await Promise.all(
      ['a', 'b', 'c'].map(async (text) => textOf(await connection.callTool('echo', { text }))),
    );
    expect(results).toEqual(['a', 'b', 'c']);
    expect(changes.filter((kind) => kind === 'tools')).toHaveLength(1);
  });

  it('marks an HTTP backend that went away failed, and reconnects on connect() once it is back', async () => {
    const first = await start('http');
    const connection = connect('http', first.url);
    await connection.connect();
    await first.stop();
    servers.delete(first);
    await expect(connection.callTool('echo', { text: 'down' })).rejects.toMatchObject({
      code: 'unavailable',
    });
    await waitFor(() => connection.state === 'failed');
    expect(connection.lastError).toContain('unreachable');

    await start('http', Number(new URL(first.url).port));
    await connection.connect();
    expect(textOf(await connection.callTool('echo', { text: 'back' }))).toBe('back');
  });

  it('fails calls at once when a legacy SSE stream drops, and reconnects on connect()', async () => {
    const first = await start('sse');
    const connection = connect('sse', first.url);
    await connection.connect();
    const slow = connection.callTool('slow', { ms: 600_000, steps: 1 }).catch((error: unknown) => error);
    await first.stop();
    servers.delete(first);
    // Its answer could only have come down the stream that is gone.
    expect(await slow).toMatchObject({ code: 'unavailable' });
    await waitFor(() => connection.state === 'failed');

    await start('sse', Number(new URL(first.url).port));
    await connection.connect();
    expect(textOf(await connection.callTool('echo', { text: 'back' }))).toBe('back');
  });

  it.each(['sse', 'modern', 'http'] as const)(
    'brings a pooled %s backend back by itself once its notification stream returns',
    async (kind) => {
      const first = await start(kind);
      const transport = kind === 'sse' ? 'sse' : 'http';
      const pool = new BackendPool([backend({ name: 'remote', transport, url: first.url })], {
        restart: { initialDelayMs: 100, maxDelayMs: 400 },
        healthIntervalMs: 0,
        reapIntervalMs: 0,
      });
      try {
        const connection = await pool.get('remote');
        await first.stop();
        servers.delete(first);
        await waitFor(() => pool.status()[0]?.state === 'failed');

        await start(kind, Number(new URL(first.url).port));
        await waitFor(() => pool.status()[0]?.state === 'ready');
        expect(textOf(await connection.callTool('echo', { text: 'back' }))).toBe('back');
        expect(pool.status()[0]?.restarts).toBeGreaterThan(0);
      } finally {
        await pool.close();
      }
    },
  );
});
