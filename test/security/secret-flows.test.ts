import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import {
  ADMIN_PASSWORD,
  type Gatehouse,
  NEW_PASSWORD,
  noSecretInLogs,
  remember,
  startGatehouse,
  USER_PASSWORD,
} from './harness.ts';

const UPSTREAM_TOKEN = remember('api key', 'upstream-bearer-secret-0f9e8d7c6b5a');
const UPSTREAM_ENV = remember('api key', 'upstream-env-secret-1a2b3c4d5e6f');
const WRONG_PASSWORD = remember('password', 'not the right passphrase at all');
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

// Every flow that carries a secret, run once each with logging at trace level: the file's last
// test then scans every line for every secret used here (and each one's hash).
for (const dialect of DIALECTS) {
  describe(`flows that carry secrets, logged at trace level, on ${dialect.name}`, () => {
    let g: Gatehouse;
    beforeAll(async () => {
      g = await startGatehouse(dialect, { mail: true, env: { AUDIT_TOOL_ARGUMENTS: 'true' } });
    }, 90_000);
    afterAll(() => g?.close());

    it('password logins: right, wrong, unknown user, and through authenticate_user', async () => {
      const user = await g.addUser('flows@example.com');
      expect((await g.request('GET', '/auth/email/me', { token: user })).status).toBe(200);
      for (const [email, password] of [
        ['flows@example.com', WRONG_PASSWORD],
        ['nobody@example.com', USER_PASSWORD],
        ['flows@example.com', ADMIN_PASSWORD],
      ])
        expect((await g.request('POST', '/auth/email/login', { body: { email, password } })).status).toBe(
          401,
        );
      const call = (password: string) =>
        g.request('POST', '/mcp', {
          headers: json,
          raw: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'authenticate_user', arguments: { username: 'flows@example.com', password } },
          }),
        });
      const session = JSON.parse((await call(USER_PASSWORD)).body.result.content[0].text as string);
      remember('access token', session.session_token as string);
      expect((await g.request('GET', '/auth/email/me', { token: session.session_token })).status).toBe(200);
      expect((await call(WRONG_PASSWORD)).body.result.isError).toBe(true);
    });

    it('password changes: by the user, by an admin, and by a reset link checked then used', async () => {
      const user = await g.addUser('changes@example.com');
      const changed = await g.request('POST', '/auth/email/change-password', {
        token: user,
        body: { old_password: USER_PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(changed.status, changed.text).toBe(200);
      remember('access token', changed.body.access_token as string);
      const wrong = await g.request('POST', '/auth/email/change-password', {
        token: changed.body.access_token,
        body: { old_password: WRONG_PASSWORD, new_password: USER_PASSWORD },
      });
      expect(wrong.status).toBe(400);
      const set = await g.request('PATCH', '/auth/email/admin/users/changes@example.com', {
        token: g.admin,
        body: { password: USER_PASSWORD },
      });
      expect(set.status, set.text).toBe(200);
      const token = await g.resetToken('changes@example.com');
      expect((await g.request('GET', `/auth/email/reset-password/${token}`)).status).toBe(200);
      expect((await g.request('GET', `/admin/reset-password/${token}`)).status).toBe(200);
      const reset = await g.request('POST', `/auth/email/reset-password/${token}`, {
        body: { new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
      });
      expect(reset.status, reset.text).toBe(200);
      expect((await g.request('GET', `/auth/email/reset-password/${token}`)).status).toBe(400);
    });

    it('API keys: created, used on REST and /mcp, refused when wrong, and revoked by their secret', async () => {
      const user = await g.addUser('keys@example.com');
      const key = await g.apiKey(user);
      const admins = await g.request('POST', '/users/keys@example.com/keys', {
        token: g.admin,
        body: { key_name: 'proxy' },
      });
      expect(admins.status).toBe(201);
      remember('api key', admins.body.api_key as string);
      expect((await g.request('GET', '/auth/email/me', { token: key.secret })).status).toBe(200);
      const listed = await g.request('POST', '/mcp', {
        token: key.secret,
        headers: json,
        raw: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'flows', version: '1' },
          },
        }),
      });
      expect(listed.status).toBe(200);
      const forged = `${key.secret.slice(0, -4)}AAAA`;
      remember('api key', forged);
      expect((await g.request('GET', '/auth/email/me', { token: forged })).status).toBe(401);
      const revoked = await g.request('POST', '/keys/revoke', {
        token: g.admin,
        body: { api_key: key.secret },
      });
      expect(revoked.status, revoked.text).toBe(200);
      expect((await g.request('GET', '/auth/email/me', { token: key.secret })).status).toBe(401);
      await g.t.identity.keyUsage.flush();
    });

    it('backend secrets in headers and env: stored, applied and listed masked', async () => {
      const added = await g.request('POST', '/backends', {
        token: g.admin,
        body: {
          name: 'secretive',
          transport: 'stdio',
          ...stdioFixtureCommand('secretive'),
          env: { UPSTREAM_TOKEN: UPSTREAM_ENV },
        },
      });
      expect(added.status, added.text).toBe(201);
      const http = await g.request('POST', '/backends', {
        token: g.admin,
        body: {
          name: 'remote',
          transport: 'http',
          url: 'http://127.0.0.1:9/mcp',
          headers: { authorization: `Bearer ${UPSTREAM_TOKEN}` },
        },
      });
      expect(http.status, http.text).toBe(201);
      const listed = await g.request('GET', '/backends', { token: g.admin });
      expect(listed.text).not.toContain(UPSTREAM_ENV);
      expect(listed.text).not.toContain(UPSTREAM_TOKEN);
      await g.t.gateway.settled();
    });

    it('tool calls whose arguments carry secrets under secret-sounding names (AUDIT_TOOL_ARGUMENTS)', async () => {
      const user = await g.addUser('tools@example.com');
      const call = await g.mcpSession(user, '/servers/secretive/mcp');
      const answer = await call(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'echo',
            arguments: { text: 'hello', password: USER_PASSWORD, api_key: UPSTREAM_TOKEN },
          },
        }),
      );
      expect(answer.status, answer.text).toBe(200);
      expect(g.t.logText()).toContain('"security_event":"tool_call"');
    });
  });
}

noSecretInLogs();
