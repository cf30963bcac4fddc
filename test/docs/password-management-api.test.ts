// Keeps docs/administration/password-management.md true, part 3: the API examples (curl, the
// TypeScript and the Python programs), taken from the document, run as written against a real
// Gatehouse, and the endpoint reference holds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/cli.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { API_SCRIPT_BLOCKS, blocks, JANE_FIRST, JANE_NEW, TEMPORARY } from './guide.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUser,
  type Deployment,
  deploy,
  gatehouseShimDir,
  getUser,
  haveCommands,
  JANE_EMAIL,
  jwtClaims,
  lockAccount,
  login,
  OPS_EMAIL,
  OPS_PASSWORD,
  patchUser,
  request,
  runProgram,
  tokenFor,
  userPath,
} from './support.ts';

describe.each(DIALECTS)('the guide on $name', (dialect) => {
  describe('the API examples', () => {
    let deployment: Deployment;
    let base: string;
    let ops: string;
    beforeAll(async () => {
      deployment = await deploy(dialect);
      base = deployment.servers[0]!.baseUrl;
      const admin = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await createUser(base, admin, { email: OPS_EMAIL, password: OPS_PASSWORD, is_admin: true });
      await createUser(base, admin, { email: JANE_EMAIL, password: JANE_FIRST, full_name: 'Jane Doe' });
      ops = await tokenFor(base, OPS_EMAIL, OPS_PASSWORD);
    }, 90_000);
    afterAll(async () => {
      await deployment?.stop();
    });

    /** Locks Jane, and returns a token she held before the example ran. */
    async function lockJane(): Promise<string> {
      await patchUser(base, ops, JANE_EMAIL, { password: JANE_FIRST, password_change_required: false });
      const session = await tokenFor(base, JANE_EMAIL, JANE_FIRST);
      await lockAccount(base, JANE_EMAIL);
      expect((await getUser(base, ops, JANE_EMAIL)).is_locked).toBe(true);
      return session;
    }

    /** What the examples must have done: Jane unlocked, her new password in force, her old session over. */
    async function expectJaneRecovered(oldSession: string) {
      expect((await request(base, 'GET', '/auth/email/me', { token: oldSession })).status).toBe(401);
      const view = await getUser(base, ops, JANE_EMAIL);
      expect(view).toMatchObject({
        is_locked: false,
        failed_login_attempts: 0,
        password_change_required: false,
      });
      const events = await request(base, 'GET', `/auth/email/admin/events?user=${JANE_EMAIL}&limit=20`, {
        token: ops,
      });
      const types = events.body.events.map((e: { event_type: string }) => e.event_type);
      expect(types.slice(0, 4)).toEqual([
        'password_changed',
        'login_password_change_required',
        'account_unlocked',
        'user_updated',
      ]);
      expect((await login(base, JANE_EMAIL, JANE_NEW)).status).toBe(200);
      expect((await login(base, JANE_EMAIL, TEMPORARY)).status).toBe(401);
    }

    it('answer GET /auth/email/password-policy exactly as the appendix shows', async () => {
      const shown = JSON.parse(blocks('json', (b) => b.h3 === 'Password policy reference')[0]!.code);
      expect((await request(base, 'GET', '/auth/email/password-policy')).body).toEqual(shown);
    });

    it.skipIf(!haveCommands('bash', 'curl', 'jq'))(
      'the curl and gatehouse commands run as written: login, admin reset, unlock, forced change, own change, audit, a CLI token, logout',
      { timeout: 60_000 },
      async () => {
        const oldSession = await lockJane();
        const shim = gatehouseShimDir();
        const script = [
          'set -euo pipefail',
          ...API_SCRIPT_BLOCKS.map((b) => b.code),
          'printf "\\nFINAL_ADMIN_TOKEN=%s\\n" "$ADMIN_TOKEN"',
        ].join('\n');
        const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
          (resolve) => {
            const child = spawn('bash', ['-c', script], {
              env: { ...childEnv(deployment.env), PATH: `${shim}:${process.env.PATH}`, GATEHOUSE_URL: base },
            });
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (d) => (stdout += d));
            child.stderr.on('data', (d) => (stderr += d));
            child.once('close', (code) => resolve({ code, stdout, stderr }));
          },
        );
        rmSync(shim, { recursive: true, force: true });
        expect(result.code, result.stderr).toBe(0);
        // The unlock check, `me`, the audit lines, the users list and the decoded token, as printed.
        expect(result.stdout).toMatch(
          /"is_locked": false,\s+"failed_login_attempts": 0,\s+"password_change_required": true/,
        );
        expect(result.stdout).toContain('\njane@example.com\n');
        expect(result.stdout).toMatch(/Z password_changed true\n/);
        expect(result.stdout).toMatch(/Z account_unlocked true\n/);
        expect(result.stdout).toContain(`\n${ADMIN_EMAIL}\n`);
        expect(result.stdout).toContain('"signature_valid": true');
        expect(result.stdout).toContain('{"status":"ok"}');
        await expectJaneRecovered(oldSession);
        // The CLI token of "Tokens for automation" lived --exp 60 minutes and is revoked by the logout.
        const cliToken = /FINAL_ADMIN_TOKEN=(\S+)/.exec(result.stdout)![1]!;
        const claims = jwtClaims(cliToken);
        expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
        expect((await request(base, 'GET', '/auth/email/me', { token: cliToken })).status).toBe(401);
      },
    );

    it(
      'the TypeScript example runs as written with Node and does the same',
      { timeout: 60_000 },
      async () => {
        const oldSession = await lockJane();
        const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doc-ts-'));
        try {
          const file = join(dir, 'gatehouse-admin.ts');
          writeFileSync(file, blocks('ts')[0]!.code);
          const result = await runProgram(process.execPath, [file], {
            GATEHOUSE_URL: base,
            GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          });
          expect(result.code, result.stderr).toBe(0);
          expect(result.stdout).toBe(
            'unlocked: true\nmust change password: true\nsigned in as jane@example.com\n',
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        await expectJaneRecovered(oldSession);
      },
    );

    it.skipIf(!haveCommands('python3'))(
      'the Python example runs as written with python3 and does the same',
      { timeout: 60_000 },
      async () => {
        const oldSession = await lockJane();
        const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doc-py-'));
        try {
          const file = join(dir, 'gatehouse_admin.py');
          writeFileSync(file, blocks('python')[0]!.code);
          const result = await runProgram('python3', [file], {
            GATEHOUSE_URL: base,
            GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          });
          expect(result.code, result.stderr).toBe(0);
          expect(result.stdout).toBe(
            'unlocked: True\nmust change password: True\nsigned in as jane@example.com\n',
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        await expectJaneRecovered(oldSession);
      },
    );

    it('the endpoint reference holds: non-admins get 403, unknown fields 400, a plain @ works, set password keeps a lock', async () => {
      await patchUser(base, ops, JANE_EMAIL, { password: JANE_NEW, password_change_required: false });
      const jane = await tokenFor(base, JANE_EMAIL, JANE_NEW);
      const refused = await request(base, 'POST', `${userPath(JANE_EMAIL)}/unlock`, { token: jane });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('forbidden');
      expect((await request(base, 'POST', `${userPath(JANE_EMAIL)}/unlock`)).status).toBe(401);
      const unknown = await request(base, 'PUT', userPath(JANE_EMAIL), { token: ops, body: { passwd: 'x' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toBe('validation_failed');
      // "Setting a password does not unlock an account": the guide says to unlock as well.
      await lockAccount(base, JANE_EMAIL);
      await patchUser(base, ops, JANE_EMAIL, { password: JANE_FIRST });
      expect((await getUser(base, ops, JANE_EMAIL)).is_locked).toBe(true);
      const plain = await request(base, 'POST', `/auth/email/admin/users/${JANE_EMAIL}/unlock`, {
        token: ops,
      });
      expect(plain.status).toBe(200);
      expect(plain.body.is_locked).toBe(false);
      const weak = await request(base, 'PUT', userPath(JANE_EMAIL), {
        token: ops,
        body: { password: 'jane-doe-example-pw' },
      });
      expect(weak.body).toMatchObject({ error: 'password_policy', message: 'Password validation failed' });
      expect(weak.body.violations).toContain('Password must not contain your e-mail address');
    });
  });
});
