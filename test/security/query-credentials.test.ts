import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, remember, startGatehouse, USER_PASSWORD } from './harness.ts';

// The names clients and other gateways use for a credential in a URL, in several spellings, and
// two names nobody reserved: a credential there must not be used, nor logged, either.
const NAMES = [
  'access_token',
  'token',
  'api_key',
  'apikey',
  'key',
  'jwt',
  'Access_Token',
  'API_KEY',
  'access%5Ftoken',
  'authorization',
  'q',
];

for (const dialect of DIALECTS) {
  describe(`credentials in the query string on ${dialect.name}`, () => {
    let g: Gatehouse;
    const credentials: Record<string, string> = {};
    beforeAll(async () => {
      g = await startGatehouse(dialect);
      await g.addEchoBackend();
      credentials['admin access token'] = g.admin;
      const user = await g.addUser('query@example.com', { admin: true });
      credentials['API key'] = (await g.apiKey(user)).secret;
      const session = await g.request('POST', '/mcp', {
        raw: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'authenticate_user',
            arguments: { username: 'query@example.com', password: USER_PASSWORD },
          },
        }),
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      });
      const token = JSON.parse(session.body.result.content[0].text as string).session_token as string;
      credentials['authenticate_user session token'] = remember('access token', token);
      // Each works in the Authorization header, so every refusal below is about where it was sent.
      for (const credential of Object.values(credentials))
        expect((await g.request('GET', '/auth/email/me', { token: credential })).status).toBe(200);
    }, 90_000);
    afterAll(() => g?.close());

    const refused = (answer: { status: number; body: unknown; headers: Headers }, what: string) => {
      expect(answer.status, what).toBe(401);
      expect(answer.body, what).toEqual({ error: 'Unauthorized' });
      expect(answer.headers.get('www-authenticate'), what).toBe('Bearer realm="gatehouse"');
    };

    it.each([
      ['GET', '/auth/email/me'],
      ['GET', '/users'],
      ['GET', '/status'],
      ['GET', '/auth/keys'],
      ['POST', '/auth/email/logout'],
    ])('never authenticates %s %s from a credential in the query string', async (method, path) => {
      for (const [kind, credential] of Object.entries(credentials)) {
        for (const name of NAMES) {
          const url = `${path}?${name}=${encodeURIComponent(credential)}`;
          refused(await g.request(method, url, method === 'POST' ? { body: {} } : {}), `${kind} in ${url}`);
        }
      }
    });

    it('never authenticates /mcp, /mcp/v1, /servers/{backend}/mcp or /sse from a credential in the query string', async () => {
      const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      for (const [kind, credential] of Object.entries(credentials)) {
        for (const name of NAMES) {
          const query = `?${name}=${encodeURIComponent(credential)}`;
          for (const path of ['/mcp', '/mcp/v1', '/servers/echo/mcp']) {
            refused(
              await g.request('POST', `${path}${query}`, { raw: list, headers }),
              `${kind} POST ${path}${query}`,
            );
            refused(await g.request('GET', `${path}${query}`, { headers }), `${kind} GET ${path}${query}`);
          }
          refused(await g.request('GET', `/sse${query}`), `${kind} GET /sse${query}`);
        }
      }
    });

    it('refuses a credential in the query string even next to a valid Authorization header', async () => {
      for (const name of ['access_token', 'token', 'api_key']) {
        const query = `?${name}=${encodeURIComponent(g.admin)}`;
        refused(await g.request('GET', `/auth/email/me${query}`, { token: g.admin }), `me${query}`);
        refused(
          await g.request('POST', `/mcp${query}`, {
            token: g.admin,
            raw: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          }),
          `mcp${query}`,
        );
      }
    });
  });
}

noSecretInLogs();
