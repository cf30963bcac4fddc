import { afterEach, describe, expect, it } from 'vitest';
import { redactArguments } from '../../src/gateway/tool-audit.ts';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { ERAS, eventually, type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

interface Event {
  event_type: string;
  success: boolean;
  user_email: string;
  details: Record<string, unknown>;
}

async function toolCalls(g: GatewayUnderTest): Promise<Event[] | undefined> {
  const page = await g.api('GET', '/auth/email/admin/events?type=tool_call', g.admin);
  return page.body.events.length > 0 ? page.body.events : undefined;
}

describe('the tool-call audit trail', () => {
  it('records identity, key, backend, tool, outcome and duration of each call, without arguments by default', async () => {
    gateway = await startGateway();
    await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
    const key = await gateway.addUser('alice');
    const client = await gateway.connect(key, ERAS[0]!);
    await client.callTool({ name: 'echo__echo', arguments: { text: 'private words' } });
    const [event] = (await eventually(() => toolCalls(gateway!), 5000, 'a tool_call event'))!;
    expect(event).toMatchObject({
      event_type: 'tool_call',
      success: true,
      user_email: 'alice@example.com',
      details: { backend: 'echo', tool: 'echo', outcome: 'ok', key_id: expect.any(String) },
    });
    expect(typeof event!.details.duration_ms).toBe('number');
    expect(JSON.stringify(event)).not.toContain('private words');
  });

  it('keeps arguments with AUDIT_TOOL_ARGUMENTS=true, secrets redacted', async () => {
    gateway = await startGateway({ AUDIT_TOOL_ARGUMENTS: 'true' });
    await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
    const key = await gateway.addUser('alice');
    const client = await gateway.connect(key, ERAS[1]!);
    await client.callTool({ name: 'echo__echo', arguments: { text: 'visible', password: 'hunter2-secret' } });
    const [event] = (await eventually(() => toolCalls(gateway!), 5000, 'a tool_call event'))!;
    expect(event!.details.arguments).toEqual({ text: 'visible', password: '[redacted]' });
    expect(gateway.server.output()).not.toContain('hunter2-secret');
  });
});

describe('redactArguments', () => {
  it.each([
    [
      { apiKey: 'k', nested: { Authorization: 'Bearer x', keep: 1 } },
      { apiKey: '[redacted]', nested: { Authorization: '[redacted]', keep: 1 } },
    ],
    [{ list: [{ client_secret: 's' }] }, { list: [{ client_secret: '[redacted]' }] }],
    ['x'.repeat(300), `${'x'.repeat(200)}…`],
    [null, null],
  ])('redacts %j', (input, expected) => {
    expect(redactArguments(input)).toEqual(expected);
  });
});
