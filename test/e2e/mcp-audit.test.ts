import { afterEach, describe, expect, it } from 'vitest';
import { redactArguments } from '../../src/gateway/tool-audit.ts';
import { REDACTED_LOG_PATHS } from '../../src/http/logger.ts';
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
  it('records identity, key, backend, tool, outcome and duration of each call, in the log and the database, without arguments by default', async () => {
    gateway = await startGateway({ LOG_LEVEL: 'info' });
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
    const lines = gateway.server
      .output()
      .split('\n')
      .filter((line) => line.includes('"security_event":"tool_call"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        security_event: 'tool_call',
        user_email: 'alice@example.com',
        backend: 'echo',
        tool: 'echo',
        outcome: 'ok',
        duration_ms: event!.details.duration_ms,
        key_id: event!.details.key_id,
        msg: 'tool_call',
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('arguments');
  });

  it('keeps arguments with AUDIT_TOOL_ARGUMENTS=true, secrets redacted in the log line and the database', async () => {
    gateway = await startGateway({ AUDIT_TOOL_ARGUMENTS: 'true', LOG_LEVEL: 'info' });
    await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
    const key = await gateway.addUser('alice');
    const client = await gateway.connect(key, ERAS[1]!);
    await client.callTool({ name: 'echo__echo', arguments: { text: 'visible', password: 'hunter2-secret' } });
    const [event] = (await eventually(() => toolCalls(gateway!), 5000, 'a tool_call event'))!;
    expect(event!.details.arguments).toEqual({ text: 'visible', password: '[redacted]' });
    expect(gateway.server.output()).not.toContain('hunter2-secret');
    expect(gateway.server.output()).toContain('"arguments":{"text":"visible","password":"[redacted]"}');
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

  // The tool_call log line skips the logger's redaction paths (see ToolCallAudit): its arguments
  // must already be clean of every key those paths name, at any depth.
  it('redacts every key the logger redacts, at any depth', () => {
    const keys = REDACTED_LOG_PATHS.filter((path) => path.startsWith('*.')).map((path) => path.slice(2));
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      expect(redactArguments({ [key]: 's' }), key).toEqual({ [key]: '[redacted]' });
      expect(redactArguments({ a: [{ [key]: 's' }] }), key).toEqual({ a: [{ [key]: '[redacted]' }] });
    }
  });
});
