// Keeps docs/administration/password-management.md true, part 2: every SQL statement of the guide,
// taken from the document, runs verbatim against the live database of two Gatehouse replicas, and
// each does what the guide says on the next request, without a restart.
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { blocks, JANE_FIRST } from './guide.ts';
import { sqlStatements } from './markdown.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  cli,
  createUser,
  deploy,
  eventually,
  getUser,
  JANE_EMAIL,
  lockAccount,
  login,
  OPS_EMAIL,
  OPS_PASSWORD,
  openSql,
  patchUser,
  request,
  tokenFor,
  userPath,
} from './support.ts';

describe.each(DIALECTS)('the guide on $name', (dialect) => {
  it(
    'runs every SQL statement verbatim on the live database of two replicas: each takes effect on the next request, without a restart',
    { timeout: 180_000 },
    async () => {
      const smtpPort = await freePort(); // nothing listens: mail fails and waits in the outbox
      const deployment = await deploy(dialect, {
        replicas: 2,
        env: {
          SMTP_ENABLED: 'true',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMTP_USE_TLS: 'false',
          SMTP_FROM_EMAIL: 'gatehouse@example.com',
        },
      });
      const sql = await openSql(deployment.database.url);
      try {
        const [a, b] = deployment.servers.map((s) => s.baseUrl) as [string, string];
        const admin = await tokenFor(a, ADMIN_EMAIL, ADMIN_PASSWORD);
        await createUser(a, admin, { email: OPS_EMAIL, password: OPS_PASSWORD, is_admin: true });
        await createUser(a, admin, { email: JANE_EMAIL, password: JANE_FIRST, full_name: 'Jane Doe' });
        const ops = await tokenFor(b, OPS_EMAIL, OPS_PASSWORD);

        const sqlPassword = 'Emerald-Canyon-Whistle-7788';
        const hashed = await cli(['hash-password'], deployment.env, `${sqlPassword}\n`);
        expect(hashed.code, hashed.stderr).toBe(0);
        const hash = hashed.stdout.trim();
        expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);

        const statements = blocks('sql').flatMap((block) => sqlStatements(block.code));
        expect(statements.length).toBeGreaterThanOrEqual(13);
        expect(statements.filter((s) => s.includes('PASTE_HASH_HERE'))).toHaveLength(1);
        let setups = 0;
        for (const statement of statements) {
          const run = async () => sql.run(statement.replace('PASTE_HASH_HERE', hash));
          const email = /email = '([^']+)'/.exec(statement)?.[1];

          if (/^UPDATE email_users /i.test(statement)) {
            const sets = (column: string, value: string) =>
              new RegExp(`\\b${column} = ${value}`, 'i').test(
                statement.slice(0, statement.search(/ WHERE /i)),
              );
            const effects = {
              password: sets('password_hash', "'PASTE_HASH_HERE'"),
              unlocks: sets('locked_until', 'NULL'),
              resetsCounter: sets('failed_login_attempts', '0'),
              clearsForcedChange: sets('password_change_required', 'false'),
              enables: sets('is_active', 'true'),
              promotes: sets('is_admin', 'true'),
              endsSessions: sets('tokens_valid_after', 'CURRENT_TIMESTAMP'),
              stampsChange: sets('password_changed_at', 'CURRENT_TIMESTAMP'),
            };
            expect(Object.values(effects).some(Boolean), statement).toBe(true);
            // The recovery statement does everything the guide says it does.
            if (effects.password)
              expect(effects).toEqual({
                password: true,
                unlocks: true,
                resetsCounter: true,
                clearsForcedChange: true,
                enables: false,
                promotes: false,
                endsSessions: true,
                stampsChange: true,
              });
            // Put the account in the state the statement is meant to repair, through replica A.
            setups += 1;
            const before = `Setup-Passphrase-Okapi-Tundra-${setups}`;
            await request(a, 'POST', `${userPath(email!)}/unlock`, { token: ops });
            await patchUser(a, ops, email!, {
              password: before,
              password_change_required: false,
              is_active: true,
              is_admin: email === ADMIN_EMAIL,
            });
            const session = await tokenFor(a, email!, before);
            if (effects.clearsForcedChange)
              await patchUser(a, ops, email!, { password_change_required: true });
            if (effects.enables) await patchUser(a, ops, email!, { is_active: false });
            if (effects.promotes) await patchUser(a, ops, email!, { is_admin: false });
            if (effects.unlocks || effects.resetsCounter) {
              await lockAccount(b, email!);
              expect((await getUser(a, ops, email!)).is_locked).toBe(true);
              expect((await login(a, email!, before)).status).toBe(401);
            }

            // SQLite's CURRENT_TIMESTAMP has whole seconds: a token from the same second would survive.
            if (effects.endsSessions) await new Promise((resolve) => setTimeout(resolve, 1_100));
            expect((await run()).changes, statement).toBe(1);

            // Replica B and replica A both see it at once.
            const view = await getUser(b, ops, email!);
            if (effects.unlocks) expect(view.is_locked).toBe(false);
            if (effects.resetsCounter) expect(view.failed_login_attempts).toBe(0);
            if (effects.clearsForcedChange) expect(view.password_change_required).toBe(false);
            if (effects.enables) expect(view.is_active).toBe(true);
            if (effects.promotes) expect(view.is_admin).toBe(true);
            if (effects.stampsChange)
              expect(Math.abs(Date.parse(view.password_changed_at) - Date.now())).toBeLessThan(120_000);
            const loggedIn = await login(b, email!, effects.password ? sqlPassword : before);
            expect(loggedIn.status, `login after: ${statement}`).toBe(200);
            if (effects.password) expect((await login(a, email!, before)).status).toBe(401);
            if (!effects.enables) {
              const me = await request(a, 'GET', '/auth/email/me', { token: session });
              expect(me.status, `old session after: ${statement}`).toBe(effects.endsSessions ? 401 : 200);
            }
            if (effects.promotes) {
              const asAdmin = await request(a, 'GET', '/auth/email/admin/users', {
                token: loggedIn.body.access_token,
              });
              expect(asAdmin.status).toBe(200);
            }
          } else if (/^UPDATE api_tokens /i.test(statement)) {
            const created = await request(a, 'POST', `/users/${encodeURIComponent(email!)}/keys`, {
              token: ops,
              body: { key_name: 'laptop', ttl_days: 30 },
            });
            expect(created.status).toBe(201);
            const key = created.body.api_key as string;
            for (const server of [a, b])
              expect((await request(server, 'GET', '/auth/email/me', { token: key })).status).toBe(200);
            expect((await run()).changes).toBeGreaterThanOrEqual(1);
            // Raw SQL waits at most API_KEY_CACHE_TTL_SECONDS (1 s here) on each replica.
            await eventually(
              async () =>
                (await request(a, 'GET', '/auth/email/me', { token: key })).status === 401 &&
                (await request(b, 'GET', '/auth/email/me', { token: key })).status === 401,
              5_000,
              'the revoked key to be refused by both replicas',
            );
          } else if (/^SELECT /i.test(statement)) {
            if (/locked_until > CURRENT_TIMESTAMP/.test(statement)) {
              await lockAccount(a, JANE_EMAIL);
              const rows = (await run()).rows;
              expect(rows.map((r) => r.email)).toEqual([JANE_EMAIL]);
              await request(b, 'POST', `${userPath(JANE_EMAIL)}/unlock`, { token: ops });
              expect((await run()).rows).toEqual([]);
            } else if (/FROM email_users WHERE is_admin = true/i.test(statement)) {
              const rows = (await run()).rows;
              expect(rows.map((r) => r.email)).toEqual([ADMIN_EMAIL, OPS_EMAIL]);
            } else if (/FROM email_users WHERE email = /i.test(statement)) {
              expect((await run()).rows.map((r) => r.email)).toEqual([email]);
            } else if (/FROM auth_events WHERE user_email = /i.test(statement)) {
              const rows = (await run()).rows;
              expect(rows.length).toBeGreaterThan(0);
              expect(rows.map((r) => r.event_type)).toContain('account_locked');
              expect(rows.every((r) => 'ts' in r && 'event_type' in r && 'success' in r && 'ip' in r)).toBe(
                true,
              );
            } else if (/FROM auth_events WHERE event_type IN/i.test(statement)) {
              expect(Array.isArray((await run()).rows)).toBe(true); // proven with rows in the bootstrap test
            } else if (/FROM mail_outbox/i.test(statement)) {
              // The admin resets above queued "an administrator reset your password" mails that cannot go out.
              await eventually(
                async () =>
                  (await run()).rows.some(
                    (r) =>
                      r.to_address === JANE_EMAIL &&
                      Number(r.attempts) >= 1 &&
                      typeof r.last_error === 'string',
                  ),
                20_000,
                'a failed delivery in the outbox',
              );
            } else throw new Error(`a SELECT of the guide no test covers: ${statement}`);
          } else throw new Error(`a statement of the guide no test covers: ${statement}`);
        }
        expect(setups).toBeGreaterThanOrEqual(5);
      } finally {
        await sql.close();
        await deployment.stop();
      }
    },
  );
});
