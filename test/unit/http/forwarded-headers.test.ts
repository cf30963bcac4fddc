import { describe, expect, it } from 'vitest';
import { FORWARDED_HEADER, forwardedHeaders } from '../../../src/http/plugins/session-forwarding.ts';

describe('the headers of a request forwarded to the replica holding its MCP session', () => {
  it('keeps the client’s headers (credentials, Host, Origin, session), marks the request and drops hop-by-hop ones', () => {
    const headers = forwardedHeaders(
      {
        host: 'gw.example.com',
        origin: 'https://app.example.com',
        authorization: 'Bearer k',
        'mcp-session-id': 's1',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'content-length': '999',
        accept: ['application/json', 'text/event-stream'],
      },
      undefined,
      '{"a":"é"}',
    );
    expect(headers).toEqual({
      host: 'gw.example.com',
      origin: 'https://app.example.com',
      authorization: 'Bearer k',
      'mcp-session-id': 's1',
      accept: 'application/json, text/event-stream',
      [FORWARDED_HEADER]: '1',
      'content-length': '10',
    });
  });

  it('appends the address this replica saw to X-Forwarded-For, so the holder finds the client behind a balancer', () => {
    expect(forwardedHeaders({}, '10.0.0.9', undefined)['x-forwarded-for']).toBe('10.0.0.9');
    expect(
      forwardedHeaders({ 'x-forwarded-for': '198.51.100.7' }, '10.0.0.9', undefined)['x-forwarded-for'],
    ).toBe('198.51.100.7, 10.0.0.9');
  });
});
