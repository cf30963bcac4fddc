import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /health', () => {
  it('answers only {"status":"ok"} and reveals nothing about the server', async () => {
    t = await testApp();
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"ok"}');
    expect(response.headers.server).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /ready', () => {
  it('answers 200 while the database answers and 503 {"status":"unavailable"} when it does not', async () => {
    t = await testApp();
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    await t.store.close();
    const down = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.body).toBe('{"status":"unavailable"}');
  });
});

describe('error handling', () => {
  const withRoutes = (env: Record<string, string> = {}) =>
    testApp(env, (app) => {
      app.post('/echo', async (request) => ({ received: request.body }));
      app.post(
        '/typed',
        {
          schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        },
        async () => ({ ok: true }),
      );
      app.get('/boom', async () => {
        throw new Error('connection to postgres://gate:hunter2@db failed');
      });
    });

  it('answers an unknown route with 404 not_found in the catalogue shape', async () => {
    t = await withRoutes();
    const response = await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'Not found' });
  });

  it('answers a method a route does not have with 405 method_not_allowed and Allow, parameters and query included', async () => {
    t = await withRoutes();
    for (const url of [
      '/auth/email/login',
      '/auth/email/login?email=a@example.com',
      '/auth/email/forgot-password',
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(405);
      expect(response.headers.allow, url).toContain('POST');
      expect(response.json()).toEqual({
        error: 'method_not_allowed',
        message: 'This method is not allowed here; see the Allow header',
      });
    }
    const deleted = await t.app.inject({ method: 'DELETE', url: '/health' });
    expect(deleted.statusCode).toBe(405);
    expect(deleted.headers.allow).toBe('GET, HEAD');
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 payload_too_large', async () => {
    t = await withRoutes({ BODY_LIMIT_BYTES: '1024' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(2000) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error: 'payload_too_large', message: 'The request body is too large' });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers a %s body with 415 unsupported_media_type',
    async (type) => {
      t = await withRoutes();
      const response = await t.app.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': type },
        payload: 'a=1',
      });
      expect(response.statusCode).toBe(415);
      expect(response.json().error).toBe('unsupported_media_type');
    },
  );

  it('answers malformed and empty JSON with 400 invalid_json', async () => {
    t = await withRoutes();
    for (const payload of ['{"a":', '']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_json',
        message: 'The request body is not valid JSON',
      });
    }
  });

  it('answers a schema violation with 400 validation_failed naming the field', async () => {
    t = await withRoutes();
    const response = await t.app.inject({ method: 'POST', url: '/typed', payload: { name: 5 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'name' }] });
  });

  it('turns an unexpected error into 500 internal_error with no detail or stack, and logs the detail', async () => {
    t = await withRoutes();
    const response = await t.app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal_error', message: 'An internal error occurred' });
    expect(response.body).not.toMatch(/hunter2|postgres|at .*\.ts/);
    expect(t.logText()).toContain('"code":"internal_error"');
    expect(t.logText()).toContain(response.headers['x-request-id'] as string);
  });

  it('answers a malformed URL with 400 bad_request in the catalogue shape', async () => {
    t = await withRoutes();
    const response = await t.app.inject({ method: 'GET', url: '/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('bad_request');
  });
});

describe('request ids', () => {
  it('gives every response an X-Request-Id, keeping a well-formed one the client sent', async () => {
    t = await testApp();
    const generated = await t.app.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'trace-123.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-123.abc');
  });

  it('replaces a hostile X-Request-Id instead of echoing it', async () => {
    t = await testApp();
    const response = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': '<script>alert(1)</script>' },
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('logs', () => {
  it('carry no bearer token, cookie, reset token or secret query value', async () => {
    t = await testApp({ LOG_LEVEL: 'trace' });
    await t.app.inject({
      method: 'GET',
      url: '/auth/email/reset-password/RESETTOKENSECRET?token=QUERYSECRET&page=1',
      headers: { authorization: 'Bearer BEARERSECRET', cookie: 'session=COOKIESECRET' },
    });
    const logs = t.logText();
    expect(logs).toContain('reset-password/[redacted]');
    for (const secret of ['RESETTOKENSECRET', 'QUERYSECRET', 'BEARERSECRET', 'COOKIESECRET']) {
      expect(logs).not.toContain(secret);
    }
  });

  it('are JSON lines with the request id', async () => {
    t = await testApp();
    const response = await t.app.inject({ method: 'GET', url: '/nope' });
    const lines = t
      .logText()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.some((line) => line.reqId === response.headers['x-request-id'])).toBe(true);
  });
});

describe('graceful close', () => {
  it('finishes an in-flight request and ends its keep-alive connection, so close() does not wait for the client', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    t = await testApp({}, (app) => {
      app.get('/slow', async () => {
        await gate;
        return { done: true };
      });
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, agent }, (res) => {
            let body = '';
            res.on('data', (d) => {
              body += d;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
            );
          })
          .on('error', reject);
      });

    // A keep-alive connection that is busy when close() begins.
    const inFlight = get('/slow');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.connection).toBe('close');
    // Without `Connection: close`, close() would wait for the client's keep-alive socket (72 s).
    const closedInTime = await Promise.race([
      closed.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 3000)),
    ]);
    agent.destroy();
    expect(closedInTime).toBe(true);
  });
});
