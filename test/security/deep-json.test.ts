import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/errors/index.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, startGatehouse, USER_PASSWORD } from './harness.ts';

/** JSON nested `depth` levels: arrays `[[…]]` or objects `{"a":{"a":…}}`, around `inner`. */
function nested(depth: number, kind: 'array' | 'object', inner = '1'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}
const DEPTHS = [10_000, 100_000];
interface Reply {
  jsonrpc: string;
  error?: { code: number };
  result?: { isError?: boolean };
}
const SHAPES = DEPTHS.flatMap((depth) => (['array', 'object'] as const).map((kind) => ({ depth, kind })));

for (const dialect of DIALECTS) {
  describe(`deeply nested JSON on ${dialect.name}`, () => {
    let g: Gatehouse;
    let user: string;
    beforeAll(async () => {
      g = await startGatehouse(dialect, {
        env: { BODY_LIMIT_BYTES: String(2 * 1024 * 1024), AUDIT_TOOL_ARGUMENTS: 'true' },
      });
      await g.addEchoBackend();
      user = await g.addUser('deep@example.com');
    }, 90_000);
    afterAll(() => g?.close());

    const stillServing = async () => {
      expect((await g.request('GET', '/health')).status).toBe(200);
      expect((await g.request('GET', '/auth/email/me', { token: g.admin })).status).toBe(200);
    };

    /** REST bodies with the nesting at the top, or in a field of each kind of route. */
    const restCases = (deep: string) => [
      { method: 'POST', path: '/auth/email/login', raw: deep },
      { method: 'POST', path: '/auth/email/login', raw: `{"email":${deep},"password":"x"}` },
      {
        method: 'POST',
        path: '/auth/email/admin/users',
        raw: `{"email":"n@example.com","password":"${USER_PASSWORD}","full_name":${deep}}`,
      },
      { method: 'PATCH', path: '/auth/email/admin/users/deep@example.com', raw: `{"full_name":${deep}}` },
      { method: 'POST', path: '/auth/keys', raw: `{"name":"k","scope":{"tool_rules":[${deep}]}}` },
      { method: 'PUT', path: '/users/deep@example.com/mcp-access', raw: `{"allowed_mcps":${deep}}` },
      {
        method: 'POST',
        path: '/backends',
        raw: `{"name":"deep","transport":"stdio","command":"node","args":${deep}}`,
      },
      {
        method: 'POST',
        path: '/backends',
        raw: `{"name":"deep","transport":"stdio","command":"node","env":${deep}}`,
      },
      { method: 'PATCH', path: '/backends/echo', raw: `{"headers":${deep}}` },
      { method: 'POST', path: '/auth/email/forgot-password', raw: `{"email":${deep}}` },
    ];

    it.each(SHAPES)(
      'answers JSON nested $depth levels ($kind) on REST routes with a catalogue 400, changes nothing, and keeps serving',
      async ({ depth, kind }) => {
        const before = await g.state();
        for (const { method, path, raw } of restCases(nested(depth, kind))) {
          const answer = await g.request(method, path, {
            token: path.startsWith('/auth/keys') ? user : g.admin,
            raw,
            headers: { 'content-type': 'application/json' },
          });
          expect(answer.status, `${method} ${path}: ${answer.text.slice(0, 300)}`).toBe(400);
          expect(Object.keys(ERROR_CATALOGUE)).toContain(answer.body.error);
          expect(answer.body.message).toEqual(expect.any(String));
        }
        expect(await g.state()).toEqual(before);
        await stillServing();
      },
      60_000,
    );

    it.each(SHAPES)(
      'answers JSON nested $depth levels ($kind) on /mcp with a JSON-RPC error, and keeps serving',
      async ({ depth, kind }) => {
        const deep = nested(depth, kind);
        const call = await g.mcpSession(user);
        // Nesting where the message has no room for it: a JSON-RPC error, or a tool error.
        const refused = [
          deep,
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo__echo","arguments":{"text":${deep}}}}`,
          `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo__echo","arguments":${deep}}}`,
          `{"jsonrpc":"2.0","id":4,"method":${deep}}`,
        ];
        for (const raw of refused) {
          const answer = await call(raw);
          expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
          expect(answer.messages.length, answer.text.slice(0, 300)).toBeGreaterThan(0);
          for (const message of answer.messages as Reply[]) {
            expect(message.jsonrpc).toBe('2.0');
            if (message.error === undefined)
              expect(message.result?.isError, JSON.stringify(message).slice(0, 300)).toBe(true);
            else expect(message.error.code).toEqual(expect.any(Number));
          }
        }
        // `_meta` may hold any object: deep or not, the request is answered (a list, or an error).
        const meta = await call(`{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":${deep}}}`);
        expect(meta.status, meta.text.slice(0, 300)).toBeLessThan(500);
        expect(meta.messages).toEqual([expect.objectContaining({ jsonrpc: '2.0', id: 3 })]);
        // Anonymous: the hidden authenticate_user path parses the body too.
        const anonymous = await g.request('POST', '/mcp', {
          raw: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"authenticate_user","arguments":${deep}}}`,
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
        expect(anonymous.status, anonymous.text.slice(0, 300)).toBeLessThan(500);
        const ok = await call(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 9,
            method: 'tools/call',
            params: { name: 'echo__echo', arguments: { text: 'still here' } },
          }),
        );
        expect(JSON.stringify(ok.messages)).toContain('still here');
        await stillServing();
      },
      60_000,
    );
  });
}

noSecretInLogs();
