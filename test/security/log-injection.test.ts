import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, startGatehouse, USER_PASSWORD } from './harness.ts';

// Line breaks a log reader may split on (LF, CR, NEL, U+2028/2029), terminal escapes, NUL and
// DEL: each followed by a JSON object that would be a forged log line if written raw.
const BREAKS = [
  '\r\n',
  '\n',
  '\r',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u001b[2K\u001b[1G',
  '\u0000',
  '\u007f',
  '\u009b',
];
const forgery = (i: number) => `{"level":60,"time":1,"msg":"forged-${i}","forged":true}`;
const VECTORS = BREAKS.map((cut, i) => `probe-${i}${cut}${forgery(i)}`);
// Anything a line must not carry raw: C0 and C1 controls, DEL, and the Unicode line separators.
const RAW_CONTROL = /[\p{Cc}\u2028\u2029]/u;

for (const dialect of DIALECTS) {
  describe(`log injection on ${dialect.name}`, () => {
    let g: Gatehouse;
    let user: string;
    beforeAll(async () => {
      g = await startGatehouse(dialect, { env: { AUDIT_TOOL_ARGUMENTS: 'true' } });
      await g.addEchoBackend();
      user = await g.addUser('logged@example.com');
    }, 90_000);
    afterAll(() => g?.close());

    /** The log lines written so far, each parsed; fails when one is not a whole JSON object. */
    const lines = () =>
      g.t
        .logText()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          expect(line, 'a log line carries a raw control or line-separator character').not.toMatch(
            RAW_CONTROL,
          );
          const parsed = JSON.parse(line) as Record<string, unknown>;
          expect(typeof parsed.level).toBe('number');
          return parsed;
        });
    const expectNoForgedLine = () => {
      for (const line of lines()) {
        expect(line.forged).toBeUndefined();
        expect(String(line.msg)).not.toMatch(/^forged-/);
      }
    };

    it('refuses API key names, key scope patterns and full names with CR/LF or control characters: they would reach the audit trail, and PostgreSQL cannot store NUL', async () => {
      const before = await g.state();
      for (const [i, cut] of BREAKS.entries()) {
        const name = VECTORS[i]!;
        const refused = [
          await g.request('POST', '/auth/keys', { token: user, body: { name } }),
          await g.request('POST', '/auth/keys', {
            token: user,
            body: { name: `scoped${i}`, scope: { tool_rules: [{ backend: '*', allow: [`read${cut}*`] }] } },
          }),
          await g.request('POST', '/users/logged@example.com/keys', {
            token: g.admin,
            body: { key_name: name },
          }),
          await g.request('POST', '/auth/email/admin/users', {
            token: g.admin,
            body: { email: `named${i}@example.com`, password: USER_PASSWORD, full_name: `Ann${cut}Lee` },
          }),
          await g.request('PATCH', '/auth/email/admin/users/logged@example.com', {
            token: g.admin,
            body: { full_name: `Ann${cut}Lee` },
          }),
          await g.request('POST', '/users', {
            token: g.admin,
            body: { username: `named${i}`, email: `named${i}@example.com`, description: `Ann${cut}Lee` },
          }),
        ];
        for (const answer of refused) {
          expect(answer.status, `${JSON.stringify(cut)}: ${answer.text}`).toBe(400);
          expect(answer.body.error).toBe('validation_failed');
        }
      }
      expect(await g.state()).toEqual(before);
      expectNoForgedLine();
    });

    it('writes MCP tool arguments with CR/LF and control characters (AUDIT_TOOL_ARGUMENTS) as escaped JSON', async () => {
      const call = await g.mcpSession(user);
      for (const [i, vector] of VECTORS.entries()) {
        const answer = await call(
          JSON.stringify({
            jsonrpc: '2.0',
            id: i + 1,
            method: 'tools/call',
            params: { name: 'echo__echo', arguments: { text: vector } },
          }),
        );
        expect(answer.status, answer.text).toBe(200);
        expect(answer.messages).toEqual([expect.objectContaining({ id: i + 1, result: expect.anything() })]);
      }
      const calls = lines().filter((line) => line.security_event === 'tool_call');
      for (const vector of VECTORS) {
        expect(
          calls.some((line) => (line.arguments as { text?: string } | undefined)?.text === vector),
          JSON.stringify(vector),
        ).toBe(true);
      }
      expectNoForgedLine();
    });

    it('refuses usernames and e-mail addresses with CR/LF or control characters, so none reaches a log line', async () => {
      for (const [i, cut] of BREAKS.entries()) {
        const email = `evil${i}${cut}x@example.com`;
        const refused = [
          await g.request('POST', '/auth/email/admin/users', {
            token: g.admin,
            body: { email, password: USER_PASSWORD },
          }),
          await g.request('POST', '/auth/email/admin/users', {
            token: g.admin,
            body: { email: `ok${i}@example.com`, username: `evil${i}${cut}x`, password: USER_PASSWORD },
          }),
          await g.request('POST', '/users', {
            token: g.admin,
            body: { username: `evil${i}${cut}x`, email: `u${i}@example.com` },
          }),
          await g.request('POST', '/users', { token: g.admin, body: { username: `fine${i}`, email } }),
        ];
        for (const answer of refused) {
          expect(answer.status, answer.text).toBe(400);
          expect(answer.body.error).toBe('validation_failed');
        }
        const login = await g.request('POST', '/auth/email/login', {
          body: { email, password: USER_PASSWORD },
        });
        expect(login.status).toBe(401);
        const byName = await g.request('POST', '/auth/email/login', {
          body: { email: `evil${i}${cut}x`, password: 'x' },
        });
        expect(byName.status).toBe(401);
      }
      const listed = await g.request('GET', '/users', { token: g.admin });
      for (const listedUser of listed.body.users as { username: string; email: string }[]) {
        expect(`${listedUser.username} ${listedUser.email}`).not.toMatch(RAW_CONTROL);
      }
      expectNoForgedLine();
    });

    it('logs a request path with CR/LF in it percent-encoded, as it arrived', async () => {
      for (const vector of VECTORS) {
        const path = `/users/${encodeURIComponent(vector)}`;
        const answer = await g.request('GET', path, { token: g.admin });
        expect(answer.status).toBe(404);
        expect(lines().some((line) => (line.req as { url?: string } | undefined)?.url === path)).toBe(true);
      }
      expectNoForgedLine();
    });
  });
}

noSecretInLogs();
