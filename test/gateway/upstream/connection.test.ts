import { ProtocolError, type Progress } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendConnection,
  type BackendConfig,
  BackendError,
  type ListKind,
  type ServerRequestHandler,
} from '../../../src/gateway/upstream/index.ts';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../../fixtures/mcp/start-fixture.ts';
import { freePort } from '../../helpers/ports.ts';
import { backend, textOf, waitFor } from './helpers.ts';

type Kind = 'stdio' | 'http' | 'sse' | 'modern';

async function fixtureBackend(kind: Kind): Promise<{ config: BackendConfig; server: FixtureServer | null }> {
  if (kind === 'stdio') {
    return { config: backend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand() }), server: null };
  }
  const server = await startFixtureServer({ transport: kind });
  const transport = kind === 'modern' ? 'http' : kind;
  return { config: backend({ name: 'echo', transport, url: server.url }), server };
}

// `modern` is a stateless 2026-07-28-only server reached over Streamable HTTP: the client negotiates
// that era, so list changes come on subscriptions/listen and sampling rides input_required results.
describe.each<Kind>(['stdio', 'http', 'sse', 'modern'])('BackendConnection over %s', (kind) => {
  let server: FixtureServer | null = null;
  let connection: BackendConnection;
  const sampling: Array<{ method: string; params: unknown; callers: readonly unknown[] }> = [];
  const handler: ServerRequestHandler = async (method, params, context) => {
    sampling.push({ method, params, callers: context.callers });
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled reply' } };
  };

  beforeAll(async () => {
    const fixture = await fixtureBackend(kind);
    server = fixture.server;
    connection = new BackendConnection(fixture.config, { serverRequestHandler: handler });
    await connection.connect();
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  async function stats(): Promise<{ slowCalls: number; cancelled: number }> {
    return JSON.parse(textOf(await connection.callTool('stats')));
  }

  it('connects and reports the server it reached', () => {
    expect(connection.state).toBe('ready');
    expect(connection.lastError).toBeNull();
    expect(connection.serverInfo).toEqual({ name: 'echo', version: '1.0.0' });
    expect(connection.protocolVersion).toBe(kind === 'modern' ? '2026-07-28' : '2025-11-25');
    expect(connection.capabilities?.tools).toEqual({ listChanged: true });
    if (kind === 'stdio') expect(connection.pid).toEqual(expect.any(Number));
    else expect(connection.pid).toBeNull();
  });

  it('lists tools, resources, resource templates and prompts', async () => {
    const tools = await connection.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'add', 'slow', 'crash', 'change_tools', 'ask_sampling', 'whoami']),
    );
    expect(connection.toolCount).toBe(tools.length);
    expect((await connection.listResources()).map((r) => r.uri)).toEqual(['fixture://info']);
    expect((await connection.listResourceTemplates()).map((t) => t.uriTemplate)).toEqual([
      'fixture://items/{id}',
    ]);
    expect((await connection.listPrompts()).map((p) => p.name)).toEqual(['greet']);
  });

  it('serves a repeated listing from the cache', async () => {
    expect(await connection.listTools()).toBe(await connection.listTools());
  });

  it('returns the tool result as the backend sent it', async () => {
    const result = await connection.callTool('echo', { text: 'hello' });
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    // A 2026-07-28 server stamps its identity into every result's _meta; it is passed on untouched.
    if (kind === 'modern') expect(result._meta).toHaveProperty(['io.modelcontextprotocol/serverInfo']);
    else expect(result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    expect(textOf(await connection.callTool('add', { a: 2, b: 3 }))).toBe('5');
  });

  it('returns a tool-level failure as an isError result, not an exception', async () => {
    const result = await connection.callTool('add', { a: 'two' });
    expect(result.isError).toBe(true);
  });

  it('forwards progress notifications to onProgress', async () => {
    const progress: Progress[] = [];
    const result = await connection.callTool(
      'slow',
      { ms: 150, steps: 3 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(textOf(result)).toBe('slept 150 ms');
    // The SDK dispatches notifications a microtask after responses, so the last one may be dropped.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toEqual({ progress: 1, total: 3 });
  });

  it('cancels a call through its signal, and the backend sees notifications/cancelled', async () => {
    const before = await stats();
    const controller = new AbortController();
    const call = connection.callTool('slow', { ms: 20_000, steps: 200 }, { signal: controller.signal });
    await waitFor(async () => (await stats()).slowCalls > before.slowCalls);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'BackendError', code: 'cancelled', backend: 'echo' });
    await waitFor(async () => (await stats()).cancelled === before.cancelled + 1);
  });

  it('times out a call that takes longer than timeoutMs', async () => {
    const call = connection.callTool('slow', { ms: 10_000, steps: 100 }, { timeoutMs: 300 });
    await expect(call).rejects.toMatchObject({
      code: 'timeout',
      message: 'backend "echo" did not answer tools/call within 300 ms',
    });
  });

  it('drops the cached list and tells listeners when the backend sends tools/list_changed', async () => {
    const changes: ListKind[] = [];
    const unsubscribe = connection.onListChanged((changed) => changes.push(changed));
    const before = await connection.listTools();
    await connection.callTool('change_tools', {});
    await waitFor(() => changes.includes('tools'));
    const after = await connection.listTools();
    expect(after).not.toBe(before);
    expect(after.map((tool) => tool.name)).toContain('dynamic_1');
    changes.length = 0;
    await connection.callTool('change_tools', { remove: true });
    await waitFor(() => changes.includes('tools'));
    expect((await connection.listTools()).map((tool) => tool.name)).not.toContain('dynamic_1');
    unsubscribe();
  });

  it('routes sampling/createMessage to the server-request handler with the calling tag', async () => {
    sampling.length = 0;
    const result = await connection.callTool(
      'ask_sampling',
      { prompt: 'Say hi' },
      { caller: 'downstream-1' },
    );
    expect(textOf(result)).toBe('sampled reply');
    expect(sampling).toEqual([
      {
        method: 'sampling/createMessage',
        params: expect.objectContaining({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
          maxTokens: 100,
        }),
        callers: ['downstream-1'],
      },
    ]);
  });

  it('reads a static and a templated resource', async () => {
    expect((await connection.readResource('fixture://info')).contents).toEqual([
      { uri: 'fixture://info', mimeType: 'text/plain', text: 'fixture echo' },
    ]);
    const item = await connection.readResource('fixture://items/42');
    expect(item.contents[0]).toMatchObject({ text: 'item 42' });
  });

  it('passes a JSON-RPC error from the backend through unchanged', async () => {
    const read = connection.readResource('fixture://missing');
    await expect(read).rejects.toBeInstanceOf(ProtocolError);
    await expect(read).rejects.toMatchObject({ code: -32602 });
  });

  it('gets a prompt with arguments', async () => {
    expect((await connection.getPrompt('greet', { name: 'Ada' })).messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Hello, Ada!' } },
    ]);
  });

  it('completes a prompt argument and a resource template variable', async () => {
    const prompt = await connection.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: 'al' },
    });
    expect(prompt.completion.values).toEqual(['alice', 'albert']);
    const template = await connection.complete({
      ref: { type: 'ref/resource', uri: 'fixture://items/{id}' },
      argument: { name: 'id', value: '1' },
    });
    expect(template.completion.values).toEqual(['1', '10']);
  });

  if (kind === 'modern') {
    it('refuses resources/subscribe, which 2026-07-28 replaced with subscriptions/listen', async () => {
      await expect(connection.subscribeResource('fixture://info')).rejects.toMatchObject({
        code: 'unsupported',
      });
    });
  } else {
    it('subscribes upstream once per URI however often it is asked, and unsubscribes with the last', async () => {
      const touch = async () => textOf(await connection.callTool('touch', { uri: 'fixture://info' }));
      const updates: string[] = [];
      const stop = connection.onResourceUpdated((uri) => updates.push(uri));
      await connection.subscribeResource('fixture://info');
      await connection.subscribeResource('fixture://info');
      expect(await touch()).toBe('updated');
      await waitFor(() => updates.length > 0);
      expect(updates[0]).toBe('fixture://info');
      await connection.unsubscribeResource('fixture://info');
      expect(await touch()).toBe('updated');
      await connection.unsubscribeResource('fixture://info');
      expect(await touch()).toBe('not subscribed');
      stop();
    });
  }

  it('hands log messages to onLog with the tags of the calls in flight', async () => {
    const logs: Array<{ data: unknown; callers: readonly unknown[] }> = [];
    const stop = connection.onLog((params, callers) => logs.push({ data: params.data, callers }));
    // A 2026-07-28 backend logs only for a request that names a level in its _meta.
    const result = await connection.callTool(
      'log',
      { level: 'info', message: 'hi' },
      { caller: 'downstream-2', logLevel: 'debug' },
    );
    expect(textOf(result)).toBe('logged info');
    await waitFor(() => logs.length > 0);
    expect(logs).toEqual([{ data: 'hi', callers: ['downstream-2'] }]);
    stop();
  });

  it('answers ping with its round trip in milliseconds', async () => {
    expect(await connection.ping()).toBeGreaterThanOrEqual(0);
  });
});

describe('BackendConnection without a server-request handler', () => {
  it('does not advertise sampling, so the backend cannot ask for it', async () => {
    const connection = new BackendConnection(
      backend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand() }),
    );
    try {
      await connection.connect();
      // The SDK server refuses to send sampling/createMessage to a client without the capability.
      const result = await connection.callTool('ask_sampling', { prompt: 'x' });
      expect(result.isError).toBe(true);
    } finally {
      await connection.close();
    }
  });
});

describe('BackendConnection failures', () => {
  it('fails to connect to a program that does not exist, with a clear error', async () => {
    const connection = new BackendConnection(
      backend({
        name: 'ghost',
        transport: 'stdio',
        command: '/nonexistent/mcp-server',
        env: { TOKEN: 's3cret' },
      }),
    );
    await expect(connection.connect()).rejects.toMatchObject({
      code: 'unavailable',
      message: 'backend "ghost" could not be started (ENOENT)',
    });
    expect(connection.state).toBe('failed');
    expect(connection.lastError).toBe('backend "ghost" could not be started (ENOENT)');
    await connection.close();
  });

  it('times out a backend that never answers initialize and stops its process', async () => {
    const connection = new BackendConnection(
      backend({
        name: 'mute',
        transport: 'stdio',
        command: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        connectTimeoutMs: 500,
      }),
      { killGraceMs: 200 },
    );
    await expect(connection.connect()).rejects.toMatchObject({ code: 'timeout' });
    expect(connection.lastError).toMatch(/^backend "mute" did not (start|answer initialize) within 500 ms$/);
    expect(connection.pid).toBeNull();
    await connection.close();
  });

  it('reports a backend that exits during startup with its exit code', async () => {
    const connection = new BackendConnection(
      backend({
        name: 'quitter',
        transport: 'stdio',
        command: process.execPath,
        args: ['-e', 'process.exit(3)'],
      }),
    );
    await expect(connection.connect()).rejects.toThrow('backend "quitter" exited with code 3 during startup');
    await connection.close();
  });

  it('keeps header values out of lastError when an HTTP backend is unreachable', async () => {
    const port = await freePort();
    const connection = new BackendConnection(
      backend({
        name: 'down',
        transport: 'http',
        url: `http://127.0.0.1:${port}/mcp?key=url-secret`,
        headers: { Authorization: 'Bearer header-secret' },
      }),
    );
    const error = await connection.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendError);
    expect(connection.lastError).toBe('backend "down" is unreachable (ECONNREFUSED)');
    await connection.close();
  });

  it('refuses calls after close', async () => {
    const connection = new BackendConnection(
      backend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand() }),
    );
    await connection.connect();
    await connection.close();
    expect(connection.state).toBe('closed');
    await expect(connection.callTool('echo', { text: 'x' })).rejects.toMatchObject({ code: 'closed' });
    await expect(connection.connect()).rejects.toMatchObject({ code: 'closed' });
  });
});
