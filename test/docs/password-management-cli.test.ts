// Keeps docs/administration/password-management.md true, part 4: the `gatehouse` commands of the
// guide, taken from the document, act on the database of a running server, which honours them at
// once; and a changed PLATFORM_ADMIN_PASSWORD (Method 1) re-initialises the platform admin.
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createPasswordHasher } from '../../src/identity/index.ts';
import { runCli } from '../helpers/cli.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { blocks, DOC_INVOCATIONS, JANE_FIRST, JANE_NEW } from './guide.ts';
import { sqlStatements } from './markdown.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  cli,
  createUser,
  deploy,
  JANE_EMAIL,
  jwtClaims,
  lockAccount,
  login,
  OPS_EMAIL,
  OPS_PASSWORD,
  openSql,
  patchUser,
  request,
  TEST_SERVER_ENV,
  tokenFor,
  userPath,
} from './support.ts';

describe.each(DIALECTS)('the guide on $name', (dialect) => {
  it(
    'runs the CLI commands of the guide against the database of a running server, which honours them at once',
    { timeout: 120_000 },
    async () => {
      const deployment = await deploy(dialect, { env: { LOG_LEVEL: 'info' } });
      const env = deployment.env;
      const base = deployment.servers[0]!.baseUrl;
      try {
        const admin = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
        await createUser(base, admin, { email: OPS_EMAIL, password: OPS_PASSWORD, is_admin: true });
        await createUser(base, admin, { email: JANE_EMAIL, password: JANE_FIRST, full_name: 'Jane Doe' });
        const ops = await tokenFor(base, OPS_EMAIL, OPS_PASSWORD);
        const ok = (result: { code: number | null; stderr: string }) =>
          expect(result.code, result.stderr).toBe(0);

        const runners: Record<string, () => Promise<void>> = {
          'gatehouse hash-password': async () => {
            const result = await cli(['hash-password'], env, 'Typed-Into-The-Prompt-9021\n');
            ok(result);
            const hasher = createPasswordHasher({
              memoryCost: 19456,
              timeCost: 2,
              parallelism: 1,
              maxConcurrent: 1,
              queueTimeoutMs: 1000,
            });
            expect(await hasher.verify(result.stdout.trim(), 'Typed-Into-The-Prompt-9021')).toBe(true);
            expect(hasher.needsRehash(result.stdout.trim())).toBe(false);
          },
          'gatehouse users list': async () => {
            await lockAccount(base, JANE_EMAIL);
            const result = await cli(['users', 'list'], env);
            ok(result);
            expect(result.stdout).toContain(`${JANE_EMAIL}\t${JANE_EMAIL}\tlocked\n`);
            expect(result.stdout).toContain(`${ADMIN_EMAIL}\t${ADMIN_EMAIL}\tadmin\n`);
          },
          'gatehouse users unlock jane@example.com': async () => {
            await lockAccount(base, JANE_EMAIL);
            expect((await login(base, JANE_EMAIL, JANE_FIRST)).status).toBe(401);
            const result = await cli(['users', 'unlock', JANE_EMAIL], env);
            ok(result);
            expect(result.stdout).toBe(`${JANE_EMAIL}\t${JANE_EMAIL}\t-\n`);
            expect((await login(base, JANE_EMAIL, JANE_FIRST)).status).toBe(200);
            const unlocks = await request(
              base,
              'GET',
              `/auth/email/admin/events?type=account_unlocked&user=${JANE_EMAIL}`,
              {
                token: ops,
              },
            );
            expect(unlocks.body.events[0].details.actor).toMatch(/^cli:/);
          },
          'gatehouse users set-password jane@example.com': async () => {
            const session = await tokenFor(base, JANE_EMAIL, JANE_FIRST);
            ok(await cli(['users', 'set-password', JANE_EMAIL], env, `${JANE_NEW}\n`));
            expect((await login(base, JANE_EMAIL, JANE_NEW)).status).toBe(200);
            expect((await request(base, 'GET', '/auth/email/me', { token: session })).status).toBe(401);
          },
          'gatehouse recover-admin --email admin@example.com': async () => {
            const session = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
            await lockAccount(base, ADMIN_EMAIL);
            await patchUser(base, ops, ADMIN_EMAIL, { is_admin: false, password_change_required: true });
            await patchUser(base, ops, ADMIN_EMAIL, { is_active: false });
            const recovered = 'Granite-Lighthouse-Orbit-6402';
            const result = await cli(['recover-admin', '--email', ADMIN_EMAIL], env, `${recovered}\n`);
            ok(result);
            expect(result.stdout).toBe(`recovered admin ${ADMIN_EMAIL}\n`);
            const again = await login(base, ADMIN_EMAIL, recovered);
            expect(again.status).toBe(200);
            expect(again.body.user).toMatchObject({
              is_admin: true,
              is_active: true,
              password_change_required: false,
            });
            expect((await request(base, 'GET', '/auth/email/me', { token: session })).status).toBe(401);
            const events = await request(base, 'GET', '/auth/email/admin/events?type=break_glass_recovery', {
              token: ops,
            });
            expect(events.body.events[0]).toMatchObject({ user_email: ADMIN_EMAIL, success: true });
            // Audited as the operating-system user who ran the command, as every CLI action is.
            expect(events.body.events[0].details.actor).toBe(`cli:${userInfo().username}`);
            // The policy is checked: the guide says to prefer this command to SQL for that reason.
            const weak = await cli(
              ['recover-admin', '--email', ADMIN_EMAIL],
              env,
              'admin-recovery-phrase-long\n',
            );
            expect(weak.code).toBe(1);
            expect(weak.stderr).toContain('Password validation failed');
          },
          'gatehouse recover-admin --email admin@example.com --generate': async () => {
            await lockAccount(base, ADMIN_EMAIL);
            const result = await cli(['recover-admin', '--email', ADMIN_EMAIL, '--generate'], env);
            ok(result);
            const password = /^password: (\S+)$/m.exec(result.stdout)?.[1];
            expect(result.stdout.startsWith(`recovered admin ${ADMIN_EMAIL}\n`)).toBe(true);
            expect((await login(base, ADMIN_EMAIL, password!)).status).toBe(200);
          },
          'gatehouse jwt create --email admin@example.com --exp 60': async () => {
            const result = await cli(['jwt', 'create', '--email', ADMIN_EMAIL, '--exp', '60'], env);
            ok(result);
            const token = result.stdout.trim();
            const claims = jwtClaims(token);
            expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
            expect((await request(base, 'GET', '/auth/email/admin/users?limit=10', { token })).status).toBe(
              200,
            );
            const missing = await cli(['jwt', 'create', '--email', 'nobody@example.com'], env);
            expect(missing.code).toBe(1);
            expect(missing.stderr).toBe('gatehouse: no user nobody@example.com\n');
          },
          'gatehouse jwt decode "$ADMIN_TOKEN"': async () => {
            const token = (
              await cli(['jwt', 'create', '--email', ADMIN_EMAIL, '--exp', '5'], env)
            ).stdout.trim();
            const result = await cli(['jwt', 'decode', token], env);
            ok(result);
            expect(JSON.parse(result.stdout)).toMatchObject({ signature_valid: true });
          },
        };
        expect(DOC_INVOCATIONS.sort()).toEqual(Object.keys(runners).sort());
        for (const [invocation, runner] of Object.entries(runners)) {
          try {
            await runner();
          } catch (error) {
            throw new Error(`${invocation}: ${(error as Error).message}`, { cause: error });
          }
        }
        // "The platform admin's row was deleted": recover-admin creates it again.
        expect((await request(base, 'DELETE', userPath(ADMIN_EMAIL), { token: ops })).status).toBe(200);
        const recreated = await cli(
          ['recover-admin', '--email', ADMIN_EMAIL],
          env,
          'Recreated-Basalt-Harbor-5521\n',
        );
        expect(recreated.stdout).toBe(`created admin ${ADMIN_EMAIL}\n`);
        expect((await login(base, ADMIN_EMAIL, 'Recreated-Basalt-Harbor-5521')).body.user).toMatchObject({
          is_admin: true,
          is_active: true,
        });
        // Each action was audited, and logged with security_event, as the guide says.
        expect(deployment.servers[0]!.output()).toContain('"security_event":"account_locked"');
      } finally {
        await deployment.stop();
      }
    },
  );

  it(
    're-initialises the platform admin from a changed PLATFORM_ADMIN_PASSWORD (Method 1), once, and refuses a password that breaks the policy',
    { timeout: 120_000 },
    async () => {
      const database = await dialect.create();
      const env = { ...TEST_SERVER_ENV, DATABASE_URL: database.url, LOG_LEVEL: 'info' };
      const values = parseYaml(blocks('yaml', (b) => b.h3 === 'Method 1: Helm values update')[0]!.code) as {
        platformAdminPassword: string;
      };
      let server = await startServerProcess({ env, readyTimeoutMs: 60_000 });
      const sql = await openSql(database.url);
      try {
        const admin = await tokenFor(server.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
        await createUser(server.baseUrl, admin, { email: OPS_EMAIL, password: OPS_PASSWORD, is_admin: true });
        const ops = await tokenFor(server.baseUrl, OPS_EMAIL, OPS_PASSWORD);
        await lockAccount(server.baseUrl, ADMIN_EMAIL);
        await patchUser(server.baseUrl, ops, ADMIN_EMAIL, {
          is_admin: false,
          password_change_required: true,
        });
        await patchUser(server.baseUrl, ops, ADMIN_EMAIL, { is_active: false });
        await server.stop();

        // The rolled pod: the same database, the new value.
        server = await startServerProcess({
          env: { ...env, PLATFORM_ADMIN_PASSWORD: values.platformAdminPassword },
          readyTimeoutMs: 60_000,
        });
        const applied = await login(server.baseUrl, ADMIN_EMAIL, values.platformAdminPassword);
        expect(applied.status).toBe(200);
        expect(applied.body.user).toMatchObject({
          is_admin: true,
          is_active: true,
          is_locked: false,
          password_change_required: false,
        });
        expect((await request(server.baseUrl, 'GET', '/auth/email/me', { token: admin })).status).toBe(401);
        expect(server.output()).toContain('"security_event":"bootstrap_password_applied"');

        // The guide's verification queries show it.
        const verify = blocks('sql', (b) => b.h3 === 'Bootstrap re-initialisation').flatMap((b) =>
          sqlStatements(b.code),
        );
        expect(verify).toHaveLength(2);
        const events = (await sql.run(verify[0]!)).rows;
        expect(events.map((r) => r.event_type)).toEqual(['bootstrap_password_applied']);
        expect(events[0]!.user_email).toBe(ADMIN_EMAIL);
        const [row] = (await sql.run(verify[1]!)).rows;
        expect(row).toMatchObject({ email: ADMIN_EMAIL, failed_login_attempts: 0, locked_until: null });
        expect([true, 1]).toContain(row!.is_admin);

        // The admin changes the password; a restart with the same value does not revert it.
        const changed = 'Copper-Falcon-Midnight-3321';
        const change = await request(server.baseUrl, 'POST', '/auth/email/change-password', {
          token: applied.body.access_token,
          body: { old_password: values.platformAdminPassword, new_password: changed },
        });
        expect(change.status).toBe(200);
        await server.stop();
        server = await startServerProcess({
          env: { ...env, PLATFORM_ADMIN_PASSWORD: values.platformAdminPassword },
          readyTimeoutMs: 60_000,
        });
        expect((await login(server.baseUrl, ADMIN_EMAIL, changed)).status).toBe(200);
        expect((await login(server.baseUrl, ADMIN_EMAIL, values.platformAdminPassword)).status).toBe(401);
        await server.stop();

        // "A value containing admin or platform is refused for admin@example.com": exit code 2.
        for (const refused of ['Ocean-Platform-Lantern-7700', 'Ocean-Admin-Lantern-7700']) {
          const result = await runCli(['serve'], {
            env: { ...env, PLATFORM_ADMIN_PASSWORD: refused, PORT: String(await freePort()) },
            timeoutMs: 30_000,
          });
          expect(result.code).toBe(2);
          expect(result.stderr).toContain('PLATFORM_ADMIN_PASSWORD breaks the password policy: ');
        }
      } finally {
        await sql.close();
        await server.stop();
        await database.drop();
      }
    },
  );
});
