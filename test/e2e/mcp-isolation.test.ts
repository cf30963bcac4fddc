import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { ERAS, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest;
const keys: Record<string, string> = {};

beforeAll(async () => {
  gateway = await startGateway();
  await gateway.addBackend({ name: 'shared', transport: 'stdio', ...stdioFixtureCommand('shared') });
  await gateway.addBackend({
    name: 'mine',
    transport: 'stdio',
    isolation: 'per-user',
    ...stdioFixtureCommand('mine'),
  });
  await gateway.addBackend({
    name: 'sess',
    transport: 'stdio',
    isolation: 'per-session',
    ...stdioFixtureCommand('sess'),
  });
  keys.alice = await gateway.addUser('alice');
  keys.bob = await gateway.addUser('bob');
}, 60_000);
afterAll(async () => {
  await gateway?.stop();
});

async function pidOf(key: string, tool: string): Promise<number> {
  const client = await gateway.connect(key, ERAS[0]!);
  return JSON.parse(textOf(await client.callTool({ name: tool, arguments: {} }))).pid as number;
}

describe('backend process isolation through the gateway (pgEdge per-token isolation)', () => {
  it('gives each user their own process of a per-user backend, and everyone the same shared one', async () => {
    const [aliceShared, bobShared] = [
      await pidOf(keys.alice!, 'shared__whoami'),
      await pidOf(keys.bob!, 'shared__whoami'),
    ];
    expect(aliceShared).toBe(bobShared);
    const aliceOwn = await pidOf(keys.alice!, 'mine__whoami');
    const bobOwn = await pidOf(keys.bob!, 'mine__whoami');
    expect(aliceOwn).not.toBe(bobOwn);
    // Alice's second session reuses her process.
    expect(await pidOf(keys.alice!, 'mine__whoami')).toBe(aliceOwn);
  });

  it('gives each 2025 session its own process of a per-session backend', async () => {
    const first = await pidOf(keys.alice!, 'sess__whoami');
    const second = await pidOf(keys.alice!, 'sess__whoami');
    expect(first).not.toBe(second);
    const status = await gateway.api('GET', '/status', gateway.admin);
    const sess = status.body.backends.find((b: { name: string }) => b.name === 'sess');
    expect(sess.processCount).toBeGreaterThanOrEqual(2);
  });
});

describe('protocol version header', () => {
  it('refuses an unsupported MCP-Protocol-Version on a 2025 session with 400', async () => {
    const client = await gateway.connect(keys.alice!, ERAS[0]!);
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    const response = await fetch(`${gateway.server.baseUrl}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.alice}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '1999-01-01',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/\bat \S+ \(/);
  });
});
