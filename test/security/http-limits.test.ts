import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSettings } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, startGatehouse, USER_PASSWORD } from './harness.ts';
import { rawExchange, statusOf } from './raw-http.ts';

// Small on purpose, so that a slow client meets them within the test; a trickling client below
// would otherwise keep going for TRICKLE_MS.
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const TRICKLE_GAP_MS = 100;
const TRICKLE_MS = 20_000;
const trickleCount = TRICKLE_MS / TRICKLE_GAP_MS;

for (const dialect of DIALECTS) {
  describe(`HTTP limits on ${dialect.name}`, () => {
    let g: Gatehouse;
    beforeAll(async () => {
      g = await startGatehouse(dialect, {
        env: {
          HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
          HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        },
      });
      await g.addEchoBackend();
    }, 60_000);
    afterAll(() => g?.close());

    const stillServing = async () => {
      expect((await g.request('GET', '/health')).status).toBe(200);
      expect((await g.request('GET', '/auth/email/me', { token: g.admin })).status).toBe(200);
    };

    it.each([
      ['GET', '/health', ''],
      ['POST', '/auth/email/login', '{"email":"a@b.co","password":"x"}'],
      ['POST', '/mcp', '{"jsonrpc":"2.0","id":1,"method":"ping"}'],
    ])(
      'answers 431 to %s %s with headers over Node’s 16 KiB limit, and keeps serving',
      async (method, path, body) => {
        const exchange = await rawExchange(g.url, [
          `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n${body}`,
        ]);
        expect(statusOf(exchange.response)).toBe(431);
        await stillServing();
      },
    );

    it('answers 431 to many headers that together pass the limit, and keeps serving', async () => {
      const many = Array.from({ length: 400 }, (_, i) => `X-Many-${i}: ${'b'.repeat(50)}\r\n`).join('');
      const exchange = await rawExchange(g.url, [`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}\r\n`]);
      expect(statusOf(exchange.response)).toBe(431);
      await stillServing();
    });

    it('cuts off a client that trickles its headers (slowloris) with 408 once HTTP_HEADERS_TIMEOUT_MS passes', async () => {
      const chunks = [
        'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n',
        ...Array.from({ length: trickleCount }, (_, i) => `X-Slow-${i}: y\r\n`),
        '\r\n',
      ];
      const exchange = await rawExchange(g.url, chunks, { gapMs: TRICKLE_GAP_MS });
      expect(exchange.cutOff).toBe(true);
      expect(statusOf(exchange.response)).toBe(408);
      await stillServing();
    }, 60_000);

    it('cuts off a client that trickles its body with 408 once HTTP_REQUEST_TIMEOUT_MS passes, and the request has no effect', async () => {
      const before = await g.state();
      const body = JSON.stringify({
        email: 'slow-body@example.com',
        password: USER_PASSWORD,
        pad: 'p'.repeat(150),
      });
      const chunks = [
        `POST /auth/email/admin/users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${g.admin}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
        ...body.match(/.{1}/gs)!,
      ];
      expect(chunks.length).toBeGreaterThan(REQUEST_TIMEOUT_MS / TRICKLE_GAP_MS + 10);
      const exchange = await rawExchange(g.url, chunks, { gapMs: TRICKLE_GAP_MS });
      expect(exchange.cutOff).toBe(true);
      expect(statusOf(exchange.response)).toBe(408);
      expect(await g.state()).toEqual(before);
      await stillServing();
    }, 60_000);

    it('lets an answer take longer than HTTP_REQUEST_TIMEOUT_MS once the request has arrived (a slow tool call)', async () => {
      const call = await g.mcpSession(g.admin);
      const slowMs = REQUEST_TIMEOUT_MS + 2000;
      const answer = await call(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo__slow', arguments: { ms: slowMs } },
        }),
      );
      expect(answer.status, answer.text).toBe(200);
      expect(answer.messages).toEqual([
        expect.objectContaining({ id: 1, result: expect.objectContaining({ content: expect.any(Array) }) }),
      ]);
      expect((answer.messages[0] as { result: { isError?: boolean } }).result.isError).not.toBe(true);
    }, 60_000);

    it('cuts off a connection that never sends a request once HTTP_HEADERS_TIMEOUT_MS passes', async () => {
      const exchange = await rawExchange(g.url, ['', ...Array.from({ length: trickleCount }, () => '')], {
        gapMs: TRICKLE_GAP_MS,
      });
      expect(exchange.cutOff).toBe(true);
      await stillServing();
    }, 60_000);
  });
}

describe('HTTP timeout settings', () => {
  it('refuse a headers timeout longer than the request timeout (Node could not apply it)', () => {
    expect(() => testSettings({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toThrow(
      'HTTP_HEADERS_TIMEOUT_MS must not be more than HTTP_REQUEST_TIMEOUT_MS',
    );
    expect(
      testSettings({ HTTP_HEADERS_TIMEOUT_MS: '4000', HTTP_REQUEST_TIMEOUT_MS: '4000' }).httpRequestTimeoutMs,
    ).toBe(4000);
  });
});

noSecretInLogs();
