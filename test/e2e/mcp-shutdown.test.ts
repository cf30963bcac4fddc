import { afterEach, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { ERAS, type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe('shutdown with MCP clients connected', () => {
  it('SIGTERM with an open 2025 session (its notification stream open) exits 0 well within the grace period', async () => {
    gateway = await startGateway({ SHUTDOWN_GRACE_SECONDS: '10' });
    await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
    const key = await gateway.addUser('alice');
    const client = await gateway.connect(key, ERAS[0]!);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    // Give the client time to open its GET notification stream.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    gateway.server.child.kill('SIGTERM');
    const exit = await gateway.server.exited;
    const tookMs = performance.now() - started;
    expect(exit.code).toBe(0);
    // Before the fix, the open stream held the server until the 10 s grace ran out (exit 1).
    expect(tookMs).toBeLessThan(5000);
  });
});
