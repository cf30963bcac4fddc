import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest;

beforeAll(async () => {
  gateway = await startGateway();
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  await gateway.addUser('tina');
});

afterAll(async () => {
  await gateway?.stop();
});

describe('API the admin UI builds on', () => {
  it('sets tool rules with the MCP access and previews the tools the user will see', async () => {
    const set = await gateway.api('PUT', '/users/tina/mcp-access', gateway.admin, {
      allowed_mcps: [],
      blocked_mcps: [],
      tool_rules: [{ backend: 'echo', deny: ['add', 'crash'] }],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.tool_rules).toEqual([{ backend: 'echo', allow: [], deny: ['add', 'crash'] }]);
    const preview = await gateway.api('GET', '/auth/email/admin/users/tina@example.com/tools', gateway.admin);
    expect(preview.status).toBe(200);
    const names = preview.body.tools.map((tool: { name: string }) => tool.name);
    expect(names).toContain('echo__echo');
    expect(names).not.toContain('echo__add');
    expect(names).not.toContain('echo__crash');
    expect(preview.body.tools.find((tool: { name: string }) => tool.name === 'echo__echo')).toEqual({
      name: 'echo__echo',
      backend: 'echo',
      tool: 'echo',
    });

    const blocked = await gateway.api('PUT', '/users/tina/mcp-access', gateway.admin, {
      allowed_mcps: [],
      blocked_mcps: ['echo'],
    });
    expect(blocked.status).toBe(200);
    expect(
      (await gateway.api('GET', '/auth/email/admin/users/tina@example.com/tools', gateway.admin)).body.tools,
    ).toEqual([]);
    const bad = await gateway.api('PUT', '/users/tina/mcp-access', gateway.admin, {
      tool_rules: [{ nope: true }],
    });
    expect(bad.status).toBe(400);
  });

  it('filters the audit log by time', async () => {
    const all = await gateway.api('GET', '/auth/email/admin/events?limit=500', gateway.admin);
    expect(all.body.events.length).toBeGreaterThan(0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await gateway.api(
      'GET',
      `/auth/email/admin/events?since=${encodeURIComponent(future)}`,
      gateway.admin,
    );
    expect(none.status).toBe(200);
    expect(none.body.events).toEqual([]);
    const before = await gateway.api(
      'GET',
      `/auth/email/admin/events?limit=500&until=${encodeURIComponent(future)}`,
      gateway.admin,
    );
    expect(before.body.events.length).toBe(all.body.events.length);
    const bad = await gateway.api('GET', '/auth/email/admin/events?since=yesterday', gateway.admin);
    expect(bad.status).toBe(400);
  });

  it('keeps the preview admin-only', async () => {
    const key = await gateway.addUser('ursula');
    expect((await gateway.api('GET', '/auth/email/admin/users/tina@example.com/tools', key)).status).toBe(
      403,
    );
  });
});
