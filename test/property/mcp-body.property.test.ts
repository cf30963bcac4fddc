import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, identityApp, tokenFor } from '../helpers/identity.ts';

const METHOD = fc.constantFrom(
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'resources/list',
  'resources/read',
  'completion/complete',
  'logging/setLevel',
  'notifications/cancelled',
  'no/such/method',
);
const MESSAGE = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
    method: METHOD,
    params: fc.oneof(
      fc.record(
        {
          name: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('authenticate_user')),
          arguments: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
          protocolVersion: fc.constantFrom('2025-11-25', '2025-06-18', '1999-01-01'),
          capabilities: fc.constant({}),
          clientInfo: fc.constant({ name: 'fuzz', version: '1' }),
          _meta: fc.dictionary(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
          requestId: fc.integer(),
          uri: fc.string({ maxLength: 20 }),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);
/** Raw bodies: arbitrary text, arbitrary JSON, JSON-RPC messages and batches of them. */
const BODY = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  MESSAGE.map((m) => JSON.stringify(m)),
  fc.array(MESSAGE, { maxLength: 3 }).map((m) => JSON.stringify(m)),
);
const VERSION = fc.constantFrom(undefined, '2025-11-25', '2026-07-28', 'garbage');

let t: TestApp;
let token: string;

function post(body: string, version: string | undefined, authorization?: string) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (version !== undefined) headers['mcp-protocol-version'] = version;
  if (authorization !== undefined) headers.authorization = authorization;
  return t.app.inject({ method: 'POST', url: '/mcp', headers, payload: body });
}

/** The JSON-RPC messages of a JSON or SSE answer body. */
function messagesOf(contentType: string | undefined, body: string): unknown[] {
  if (body === '') return [];
  if (contentType?.startsWith('text/event-stream'))
    return body
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.slice(5).trim() !== '')
      .map((line) => JSON.parse(line.slice(5)) as unknown);
  const parsed = JSON.parse(body) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

for (const dialect of DIALECTS) {
  describe(`the /mcp body on ${dialect.name} (property)`, () => {
    beforeAll(async () => {
      t = await identityApp(dialect, {
        AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
        MAX_FAILED_LOGIN_ATTEMPTS: '1000',
      });
      await addUser(t, { email: 'fuzz@example.com', username: 'fuzz' });
      token = await tokenFor(t.app, 'fuzz@example.com');
    }, 60_000);
    afterAll(() => t?.close());

    it('answers any body of an authenticated caller without a server error, in JSON or SSE that parses', async () => {
      await fc.assert(
        fc.asyncProperty(BODY, VERSION, async (body, version) => {
          const response = await post(body, version, `Bearer ${token}`);
          expect(response.statusCode, `${body} → ${response.body}`).toBeLessThan(500);
          const messages = messagesOf(response.headers['content-type'] as string | undefined, response.body);
          for (const message of messages) expect(message).toHaveProperty('jsonrpc', '2.0');
        }),
        { numRuns: 300 },
      );
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    }, 180_000);

    it('answers any anonymous body with 401, or a failed authenticate_user result that carries no token', async () => {
      const guess = fc
        .record({
          username: fc.constantFrom('fuzz', 'fuzz@example.com', 'admin'),
          password: fc.string({ maxLength: 30 }),
        })
        .map((args) =>
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'authenticate_user', arguments: args },
          }),
        );
      await fc.assert(
        fc.asyncProperty(fc.oneof(BODY, guess), VERSION, async (body, version) => {
          const response = await post(body, version);
          if (response.statusCode === 401) {
            expect(response.json()).toEqual({ error: 'Unauthorized' });
            return;
          }
          expect(response.statusCode, body).toBe(200);
          const answer = response.json() as { result: { isError: boolean; content: { text: string }[] } };
          expect(answer.result.isError).toBe(true);
          expect(JSON.parse(answer.result.content[0]!.text)).not.toHaveProperty('session_token');
        }),
        { numRuns: 150 },
      );
    }, 180_000);
  });
}
