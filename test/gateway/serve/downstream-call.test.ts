import type { LoggingMessageNotificationParams } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { GatewayCaller } from '../../../src/gateway/index.ts';
import {
  DownstreamCall,
  fromBackend,
  isLoggingLevel,
  passesLevel,
} from '../../../src/gateway/serve/downstream-call.ts';

const caller: GatewayCaller = { userId: 'u1', email: 'a@example.com', keyId: null, policies: [] };

function call(
  logLevel: () => ReturnType<ConstructorParameters<typeof DownstreamCall>[0]['logLevel']>,
  aggregate = true,
) {
  const sent: LoggingMessageNotificationParams[] = [];
  const downstream = new DownstreamCall({
    caller,
    aggregate,
    logLevel,
    notify: (notification) => sent.push(notification.params),
  });
  return { downstream, sent };
}

describe('log levels', () => {
  it('orders the eight levels as RFC 5424 does, and lets every level pass without a threshold', () => {
    expect(passesLevel('error', 'warning')).toBe(true);
    expect(passesLevel('warning', 'warning')).toBe(true);
    expect(passesLevel('notice', 'warning')).toBe(false);
    expect(passesLevel('emergency', 'alert')).toBe(true);
    expect(passesLevel('debug', undefined)).toBe(true);
  });

  it('knows the levels and nothing else', () => {
    expect(
      ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'].every(isLoggingLevel),
    ).toBe(true);
    expect(isLoggingLevel('verbose')).toBe(false);
    expect(isLoggingLevel(3)).toBe(false);
  });
});

describe('fromBackend', () => {
  it('names the backend as the logger on the aggregate, prefixing a logger the backend named', () => {
    expect(fromBackend({ level: 'info', data: 'x' }, 'files', true)).toEqual({
      level: 'info',
      data: 'x',
      logger: 'files',
    });
    expect(fromBackend({ level: 'info', data: 'x', logger: 'db' }, 'files', true).logger).toBe('files/db');
  });

  it('keeps the message as sent on a single-backend endpoint', () => {
    const params = { level: 'info' as const, data: 'x', logger: 'db' };
    expect(fromBackend(params, 'files', false)).toBe(params);
  });
});

describe('DownstreamCall.log', () => {
  it('sends messages at or above the chosen level, reading the level when each message arrives', () => {
    let level: 'warning' | 'debug' = 'warning';
    const { downstream, sent } = call(() => level);
    downstream.log('files', { level: 'info', data: 'quiet' });
    downstream.log('files', { level: 'error', data: 'loud' });
    level = 'debug';
    downstream.log('files', { level: 'debug', data: 'now wanted' });
    expect(sent.map((message) => message.data)).toEqual(['loud', 'now wanted']);
  });

  it('sends nothing when the client asked for no log messages (null)', () => {
    const { downstream, sent } = call(() => null);
    downstream.log('files', { level: 'emergency', data: 'x' });
    expect(sent).toEqual([]);
    expect(downstream.requestedLogLevel).toBeUndefined();
  });

  it('cannot be asked questions unless given a way to ask', () => {
    expect(call(() => undefined).downstream.ask).toBeNull();
  });
});
