import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type Gatehouse, noSecretInLogs, startGatehouse } from './harness.ts';
import { bodyFor, MUTATIONS, pathFor, splitRoute } from './mutations.ts';

const PAYLOAD = '{"polluted":"yes","is_admin":true,"isAdmin":true,"admin":true}';
/** Ways to smuggle PAYLOAD onto a prototype, each as a JSON member. */
const POISONS: Array<[name: string, member: string, refusedOnRest: boolean]> = [
  // Fastify's JSON parser refuses these outright on REST routes (onProtoPoisoning and
  // onConstructorPoisoning: 'error'); the MCP routes parse their bodies themselves.
  ['__proto__', `"__proto__":${PAYLOAD}`, true],
  ['escaped __proto__', `"\\u005f\\u005fproto\\u005f\\u005f":${PAYLOAD}`, true],
  ['constructor.prototype', `"constructor":{"prototype":${PAYLOAD}}`, true],
  ['prototype and constructor as plain keys', `"prototype":${PAYLOAD},"constructor":"x"`, false],
];
const MCP_ROUTE = /\/(mcp|mcp\/v1|message)$/;
const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype];

/** `body` with a poison member added at the top level and inside every object-valued member. */
function poisoned(body: Record<string, unknown>, member: string): string[] {
  const insert = (json: string) => (json === '{}' ? `{${member}}` : `{${member},${json.slice(1)}`);
  const variants = [insert(JSON.stringify(body))];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    if (path.length > 0) {
      const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
      let target: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      target[path.at(-1)!] = '\u0000HERE\u0000';
      variants.push(JSON.stringify(copy).replace('"\\u0000HERE\\u0000"', insert(JSON.stringify(value))));
    }
    for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
  };
  walk(body, []);
  return variants;
}

const ownNames = () => PROTOTYPES.map((proto) => Object.getOwnPropertyNames(proto).sort());

for (const dialect of DIALECTS) {
  describe(`prototype pollution through JSON bodies on ${dialect.name}`, () => {
    let g: Gatehouse;
    const pristine = ownNames();
    const params: Record<string, string> = {};
    let victimToken = '';
    beforeAll(async () => {
      g = await startGatehouse(dialect, { mail: true });
      await g.addEchoBackend();
    }, 90_000);
    afterAll(() => g?.close());

    // Fresh targets for every route, so that a request one route lets through cannot hide what
    // the next one does.
    let round = 0;
    beforeEach(async () => {
      round += 1;
      const victim = `victim${round}@example.com`;
      victimToken = await g.addUser(victim);
      params.email = victim;
      params.username = victim;
      params.id = (await g.apiKey(victimToken)).id;
      params.token = await g.resetToken(victim);
      params.name = 'echo';
      params.backend = 'echo';
    }, 60_000);

    const expectNoPollutionNorPrivilege = async () => {
      expect(ownNames()).toEqual(pristine);
      for (const probe of [{}, [], () => undefined, '']) {
        const inherited = probe as unknown as Record<string, unknown>;
        expect(inherited.polluted).toBeUndefined();
        expect(inherited.is_admin).toBeUndefined();
        expect(inherited.isAdmin).toBeUndefined();
        expect(inherited.admin).toBeUndefined();
      }
      const users = await g.t.store.db.selectFrom('email_users').select(['email', 'is_admin']).execute();
      expect(users.filter((row) => Boolean(row.is_admin)).map((row) => row.email)).toEqual([ADMIN_EMAIL]);
      const keys = await g.t.store.db.selectFrom('api_tokens').select(['id', 'admin']).execute();
      expect(keys.filter((row) => Boolean(row.admin))).toEqual([]);
    };

    it.each(MUTATIONS.map((m) => [m.route, m] as const))(
      '%s: __proto__, constructor and prototype members pollute no prototype and grant no admin',
      async (_route, mutation) => {
        const { method, pattern } = splitRoute(mutation.route);
        const body = bodyFor(mutation, params);
        const ownRoute = /\/(logout|change-password)$/.test(pattern);
        for (const [name, member, refusedOnRest] of POISONS) {
          for (const raw of poisoned(body, member)) {
            const answer = await g.request(method, pathFor(pattern, params), {
              token: ownRoute ? victimToken : g.admin,
              raw,
              headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            });
            expect(answer.status, `${name} ${raw}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
            if (refusedOnRest && !MCP_ROUTE.test(pattern)) {
              expect(answer.status, `${name} ${raw}`).toBe(400);
              expect(answer.body.error).toBe('invalid_json');
            }
          }
        }
        await expectNoPollutionNorPrivilege();
      },
      60_000,
    );

    it('pollutes nothing through __proto__ and constructor in the params, arguments and _meta of MCP calls, in a 2025 session and stateless 2026-07-28', async () => {
      const call = await g.mcpSession(victimToken);
      const modernMeta = JSON.stringify({
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'matrix', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      }).slice(1, -1);
      for (const [name, member] of POISONS) {
        const placements = [
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{${member},"name":"echo__echo","arguments":{"text":"own"}}}`,
          `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo__echo","arguments":{${member},"text":"own"}}}`,
          `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo__echo","arguments":{${member}}}}`,
          `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{${member}}}}`,
          `{${member},"jsonrpc":"2.0","id":5,"method":"tools/list"}`,
        ];
        for (const raw of placements) {
          // Answered in the session: a result, or a JSON-RPC error for a message the SDK refuses.
          const answer = await call(raw);
          expect(answer.status, `${name} ${raw}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
          expect(answer.messages).toEqual([expect.objectContaining({ jsonrpc: '2.0' })]);
          const method = /"method":"([^"]+)"/.exec(raw)![1]!;
          const stateless = await g.request('POST', '/mcp', {
            token: victimToken,
            raw: raw.includes('"_meta":{')
              ? raw.replace('"_meta":{', `"_meta":{${modernMeta},`)
              : raw.replace('"params":{', `"params":{"_meta":{${modernMeta}},`),
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-protocol-version': '2026-07-28',
              'mcp-method': method,
            },
          });
          expect(stateless.status, `${name} ${raw}: ${stateless.text.slice(0, 300)}`).toBeLessThan(500);
        }
      }
      await expectNoPollutionNorPrivilege();
    });

    it('grants no session through authenticate_user whose credentials sit on an inherited __proto__', async () => {
      for (const [, member] of POISONS) {
        const credentials = member.replace(
          PAYLOAD,
          JSON.stringify({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
        );
        const answer = await g.request('POST', '/mcp', {
          raw: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"authenticate_user","arguments":{${credentials}}}}`,
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        });
        expect(answer.status, answer.text).toBe(200);
        expect(answer.body.result.isError).toBe(true);
        expect(answer.text).not.toContain('session_token');
      }
      await expectNoPollutionNorPrivilege();
    });
  });
}

noSecretInLogs();
