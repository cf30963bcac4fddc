import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendConnection, type ServerRequestHandler } from '../../../src/gateway/upstream/index.ts';
import { everythingStdioCommand, startEverythingHttp } from '../../fixtures/mcp/everything.ts';
import type { FixtureServer } from '../../fixtures/mcp/start-fixture.ts';
import { backend, textOf, waitFor } from './helpers.ts';

// server-everything is built on the v1 SDK: these suites check that the v2 client side interoperates.
describe.each(['stdio', 'http'] as const)('server-everything over %s', (kind) => {
  let server: FixtureServer | null = null;
  let connection: BackendConnection;
  const requests: string[] = [];
  const handler: ServerRequestHandler = async (method) => {
    requests.push(method);
    if (method === 'roots/list') return { roots: [{ uri: 'file:///workspace', name: 'workspace' }] };
    if (method === 'sampling/createMessage') {
      return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'from the gateway' } };
    }
    return { action: 'decline' };
  };

  beforeAll(async () => {
    if (kind === 'stdio') {
      const config = backend({ name: 'everything', transport: 'stdio', ...everythingStdioCommand() });
      connection = new BackendConnection(config, { serverRequestHandler: handler });
    } else {
      server = await startEverythingHttp();
      connection = new BackendConnection(
        backend({ name: 'everything', transport: 'http', url: server.url }),
        {
          serverRequestHandler: handler,
        },
      );
    }
    await connection.connect();
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  it('lists its tools, prompts, resources and templates', async () => {
    const tools = (await connection.listTools()).map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    expect((await connection.listPrompts()).length).toBeGreaterThan(0);
    expect((await connection.listResources()).length).toBeGreaterThan(0);
    expect((await connection.listResourceTemplates()).length).toBeGreaterThan(0);
  });

  it('calls tools', async () => {
    expect(textOf(await connection.callTool('echo', { message: 'hi' }))).toBe('Echo: hi');
    expect(textOf(await connection.callTool('get-sum', { a: 2, b: 40 }))).toContain('42');
  });

  it('asks the gateway for roots and sampling through the server-request handler', async () => {
    await waitFor(async () =>
      (await connection.listTools()).some((tool) => tool.name === 'trigger-sampling-request'),
    );
    const result = await connection.callTool('trigger-sampling-request', { prompt: 'hello', maxTokens: 10 });
    expect(JSON.stringify(result)).toContain('from the gateway');
    await waitFor(() => requests.includes('roots/list'));
  });

  it('forwards resources/updated for a subscribed resource', async () => {
    const [resource] = await connection.listResources();
    if (!resource) throw new Error('server-everything lists no resources');
    const updates: string[] = [];
    const unsubscribe = connection.onResourceUpdated((uri) => updates.push(uri));
    await connection.subscribeResource(resource.uri);
    await connection.callTool('toggle-subscriber-updates', {});
    await waitFor(() => updates.includes(resource.uri));
    await connection.callTool('toggle-subscriber-updates', {});
    await connection.unsubscribeResource(resource.uri);
    unsubscribe();
  });
});

describe('server-everything over stdio, environment', () => {
  it('gets its configured env but not the gateway environment', async () => {
    process.env.GATEHOUSE_UPSTREAM_TEST_SECRET = 'must-not-leak';
    const connection = new BackendConnection(
      backend({
        name: 'everything',
        transport: 'stdio',
        ...everythingStdioCommand(),
        env: { CONFIGURED: 'yes' },
      }),
    );
    try {
      await connection.connect();
      const env = JSON.parse(textOf(await connection.callTool('get-env', {}))) as Record<string, string>;
      expect(env.CONFIGURED).toBe('yes');
      expect(env.GATEHOUSE_UPSTREAM_TEST_SECRET).toBeUndefined();
      expect(env.PATH).toBeDefined();
    } finally {
      delete process.env.GATEHOUSE_UPSTREAM_TEST_SECRET;
      await connection.close();
    }
  });
});
