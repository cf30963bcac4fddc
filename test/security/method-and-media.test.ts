import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, remember, startGatehouse } from './harness.ts';
import {
  bodyFor,
  MUTATING_METHODS,
  MUTATIONS,
  OWNED_ELSEWHERE,
  pathFor,
  splitRoute as split,
  VICTIM,
} from './mutations.ts';
import { rawExchange, statusOf } from './raw-http.ts';

const NON_JSON_TYPES = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/json',
  'application/json-patch+json',
  'application/jsonx',
];

for (const dialect of DIALECTS) {
  describe(`state-changing routes on ${dialect.name}`, () => {
    let g: Gatehouse;
    const params: Record<string, string> = {};
    beforeAll(async () => {
      g = await startGatehouse(dialect, { mail: true });
      await g.addEchoBackend();
      const victim = await g.addUser(VICTIM);
      params.email = VICTIM;
      params.username = VICTIM;
      params.name = 'echo';
      params.backend = 'echo';
      params.id = (await g.apiKey(victim)).id;
      params.token = await g.resetToken(VICTIM);
    }, 90_000);
    afterAll(() => g?.close());

    const fill = (pattern: string) => pathFor(pattern, params);
    /** The state, and how many tool calls were logged (a tool call is an MCP state change). */
    const observed = async () => {
      await g.t.identity.background.idle();
      return {
        state: await g.state(),
        toolCalls: g.t.logText().split('"security_event":"tool_call"').length,
      };
    };

    it('lists every state-changing route of the route table', () => {
      const table = g.routes
        .flatMap((r) => [r.method].flat().map((method) => `${method} ${r.url}`))
        .filter(
          (route) => MUTATING_METHODS.has(split(route).method) && !OWNED_ELSEWHERE.test(split(route).pattern),
        );
      expect(new Set(table)).toEqual(new Set(MUTATIONS.map((m) => m.route)));
    });

    it.each(MUTATIONS.map((m) => [m.route, m] as const))(
      'GET and HEAD on %s, with its body as a query string, change nothing and answer 405 with Allow unless a read-only GET shares the path',
      async (_route, mutation) => {
        const { pattern } = split(mutation.route);
        const readOnlyTwin = g.routes.some((r) => r.url === pattern && [r.method].flat().includes('GET'));
        const query = new URLSearchParams(
          Object.entries(bodyFor(mutation, params)).map(([k, v]): [string, string] => [
            k,
            typeof v === 'string' ? v : JSON.stringify(v),
          ]),
        );
        const before = await observed();
        for (const method of ['GET', 'HEAD']) {
          for (const path of [fill(pattern), `${fill(pattern)}?${query}`]) {
            const answer = await g.request(method, path, {
              token: g.admin,
              headers: { accept: 'application/json, text/event-stream' },
            });
            if (readOnlyTwin) expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(500);
            else {
              expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(405);
              expect(answer.headers.get('allow')?.split(', ')).toContain(split(mutation.route).method);
              expect(answer.headers.get('allow')?.split(', ')).not.toContain('GET');
              if (method === 'GET') expect(answer.body).toMatchObject({ error: 'method_not_allowed' });
            }
          }
        }
        expect(await observed()).toEqual(before);
      },
    );

    it('keeps a reset token usable after GET /auth/email/reset-password/{token} checked it', async () => {
      const token = await g.resetToken(VICTIM);
      for (let i = 0; i < 3; i += 1) {
        const check = await g.request('GET', `/auth/email/reset-password/${token}`);
        expect(check.status, check.text).toBe(200);
      }
      const fresh = remember('password', 'the checked link still works');
      const used = await g.request('POST', `/auth/email/reset-password/${token}`, {
        body: { new_password: fresh, confirm_password: fresh },
      });
      expect(used.status, used.text).toBe(200);
    });

    it.each(MUTATIONS.filter((m) => split(m.route).method !== 'GET').map((m) => [m.route, m] as const))(
      'refuses non-JSON bodies (text/plain, forms, XML…) on %s with 415, and changes nothing',
      async (_route, mutation) => {
        const { method, pattern } = split(mutation.route);
        const json = JSON.stringify(bodyFor(mutation, params));
        const before = await observed();
        for (const type of NON_JSON_TYPES) {
          const raw = type.startsWith('application/x-www-form')
            ? new URLSearchParams({ json }).toString()
            : json;
          const answer = await g.request(method, fill(pattern), {
            token: g.admin,
            raw,
            headers: { 'content-type': type, accept: 'application/json, text/event-stream' },
          });
          expect(answer.status, `${type}: ${answer.text}`).toBe(415);
          expect(answer.body).toEqual({
            error: 'unsupported_media_type',
            message: 'Unsupported Content-Type: send application/json',
          });
        }
        // No Content-Type at all (a browser's `fetch` cannot send that, a raw client can).
        const exchange = await rawExchange(g.url, [
          `${method} ${fill(pattern)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${g.admin}\r\n` +
            `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
        ]);
        expect(statusOf(exchange.response), exchange.response).toBe(415);
        expect(await observed()).toEqual(before);
      },
    );
  });
}

noSecretInLogs();
