import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, eventually, testRedis, uniquePrefix } from './redis-helpers.ts';
import { ADMIN, call, loginFor, query, replicaEnv, startReplica } from './replica-helpers.ts';

const USER_PASSWORD = 'tangerine velvet orbit 1988';

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)(
  'two replicas on one PostgreSQL database and one Redis',
  { timeout: 60_000 },
  () => {
    const prefix = uniquePrefix('replicas');
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;
    let adminToken: string;

    beforeAll(async () => {
      database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
      const env = replicaEnv({
        databaseUrl: database.url,
        redisUrl: TEST_REDIS_URL,
        prefix,
        // Only an event can make a replica drop a cached key within this suite's lifetime.
        env: { API_KEY_CACHE_TTL_SECONDS: '3600' },
      });
      a = await startReplica(env);
      b = await startReplica(env);
      adminToken = await loginFor(a, ADMIN.email, ADMIN.password);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
      const redis = await testRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    /** Creates a user with a password through replica A. */
    async function createUser(email: string) {
      const created = await call(a, 'POST', '/auth/email/admin/users', {
        bearer: adminToken,
        body: { email, password: USER_PASSWORD },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }

    /** Creates a key-only user and an API key for it through replica A; returns the key. */
    async function createKey(username: string): Promise<string> {
      const user = await call(a, 'POST', '/users', {
        bearer: adminToken,
        body: { username, email: `${username}@example.com` },
      });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      const key = await call(a, 'POST', `/users/${username}/keys`, {
        bearer: adminToken,
        body: { key_name: 'replica test' },
      });
      expect(key.status, JSON.stringify(key.body)).toBe(201);
      return key.body.api_key as string;
    }

    const me = (replica: ServerProcess, bearer: string, ip?: string) =>
      call(replica, 'GET', '/auth/email/me', { bearer, ip });

    it('both report Redis ok in /ready', async () => {
      for (const replica of [a, b]) {
        const ready = await call(replica, 'GET', '/ready');
        expect(ready.status).toBe(200);
        expect(ready.body).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
      }
    });

    it('a token issued by replica A works on replica B, and one issued by B works on A', async () => {
      await createUser('token-user@example.com');
      const fromA = await loginFor(a, 'token-user@example.com', USER_PASSWORD);
      const fromB = await loginFor(b, 'token-user@example.com', USER_PASSWORD);
      expect((await me(b, fromA)).body.email).toBe('token-user@example.com');
      expect((await me(a, fromB)).body.email).toBe('token-user@example.com');
    });

    it('10 failed logins from one IP spread over A and B block that IP on both with 429', async () => {
      const ip = '198.51.100.10';
      for (let i = 0; i < 10; i++) {
        const replica = i % 2 === 0 ? a : b;
        const failed = await call(replica, 'POST', '/auth/email/login', {
          ip,
          body: { email: `nobody-${i}@example.com`, password: 'wrong password' },
        });
        expect(failed.status).toBe(401);
      }
      for (const replica of [a, b]) {
        const refused = await call(replica, 'POST', '/auth/email/login', {
          ip,
          body: { email: ADMIN.email, password: ADMIN.password },
        });
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        // Authenticated requests from that address are refused too, even with a valid credential.
        expect((await me(replica, adminToken, ip)).status).toBe(429);
      }
      // Another address is not affected.
      expect((await me(b, adminToken, '198.51.100.11')).status).toBe(200);
    });

    it('forgot-password requests from one IP spread over A and B count toward one per-IP limit', async () => {
      const ip = '198.51.100.20';
      for (let i = 0; i < 10; i++) {
        const replica = i % 2 === 0 ? b : a;
        const accepted = await call(replica, 'POST', '/auth/email/forgot-password', {
          ip,
          body: { email: `nobody-${i}@example.com` },
        });
        expect(accepted.status).toBe(200);
      }
      for (const replica of [a, b]) {
        const refused = await call(replica, 'POST', '/auth/email/forgot-password', {
          ip,
          body: { email: 'nobody@example.com' },
        });
        expect(refused.status).toBe(429);
      }
    });

    it('reset requests for one address spread over A and B are limited at PASSWORD_RESET_RATE_LIMIT (5)', async () => {
      await createUser('reset-user@example.com');
      for (let i = 0; i < 6; i++) {
        const replica = i % 2 === 0 ? a : b;
        const accepted = await call(replica, 'POST', '/auth/email/forgot-password', {
          ip: `198.51.100.${30 + i}`,
          body: { email: 'reset-user@example.com' },
        });
        expect(accepted.status).toBe(200);
      }
      const events = () =>
        query<{ event_type: string; success: boolean }>(
          database.url,
          `select event_type, success from auth_events
           where user_email = 'reset-user@example.com'
             and event_type in ('password_reset_requested', 'password_reset_rate_limited')`,
        );
      expect(await eventually(async () => (await events()).length === 6, 5000)).toBe(true);
      const counted = (await events()).map((e) => `${e.event_type}:${e.success}`).sort();
      expect(counted).toEqual([
        'password_reset_rate_limited:false',
        ...Array(5).fill('password_reset_requested:true'),
      ]);
    });

    it('failed logins spread over A and B lock the account at MAX_FAILED_LOGIN_ATTEMPTS (5), on both', async () => {
      await createUser('lock-user@example.com');
      const attempts = () =>
        query<{ failed_login_attempts: number; locked_until: Date | null }>(
          database.url,
          `select failed_login_attempts, locked_until from email_users where email = 'lock-user@example.com'`,
        );
      for (let i = 0; i < 5; i++) {
        const replica = i % 2 === 0 ? a : b;
        const failed = await call(replica, 'POST', '/auth/email/login', {
          ip: `198.51.100.${40 + i}`,
          body: { email: 'lock-user@example.com', password: 'wrong password' },
        });
        expect(failed.status).toBe(401);
        const [row] = await attempts();
        if (i < 4) expect(row).toEqual({ failed_login_attempts: i + 1, locked_until: null });
        else expect(row!.locked_until).not.toBeNull();
      }
      for (const replica of [a, b]) {
        const locked = await call(replica, 'POST', '/auth/email/login', {
          ip: '198.51.100.49',
          body: { email: 'lock-user@example.com', password: USER_PASSWORD },
        });
        expect(locked.status).toBe(401);
      }
    });

    it('revoking an API key on A makes B refuse it within 1 s, although B had it cached', async () => {
      const key = await createKey('revoke-me');
      expect((await me(b, key)).status).toBe(200);
      // B serves the key from its cache: a change made behind Gatehouse's back is not seen.
      await query(
        database.url,
        `update api_tokens set revoked_at = now() where user_id =
        (select id from email_users where username = 'revoke-me')`,
      );
      expect((await me(b, key)).status).toBe(200);

      const revoked = await call(a, 'POST', '/keys/revoke', { bearer: adminToken, body: { api_key: key } });
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
      expect((await me(a, key)).status).toBe(401);
      expect(await eventually(async () => (await me(b, key)).status === 401)).toBe(true);
    });

    it('disabling a user on A makes B refuse their cached API key within 1 s', async () => {
      const key = await createKey('disable-me');
      expect((await me(b, key)).status).toBe(200);
      const disabled = await call(a, 'PATCH', '/users/disable-me/enable', {
        bearer: adminToken,
        body: { enabled: false },
      });
      expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
      expect(await eventually(async () => (await me(b, key)).status === 401)).toBe(true);
    });

    it('a backend added on A appears in B’s /status, and disappears when deleted on B', async () => {
      const names = async (replica: ServerProcess) => {
        const status = await call(replica, 'GET', '/status', { bearer: adminToken });
        return (status.body.backends as Array<{ name: string }>).map((backend) => backend.name);
      };
      expect(await names(b)).not.toContain('added-on-a');
      const added = await call(a, 'POST', '/backends', {
        bearer: adminToken,
        body: { name: 'added-on-a', transport: 'http', url: 'http://127.0.0.1:9/mcp' },
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(await eventually(async () => (await names(b)).includes('added-on-a'))).toBe(true);

      const deleted = await call(b, 'DELETE', '/backends/added-on-a', { bearer: adminToken });
      expect(deleted.status).toBe(204);
      expect(await eventually(async () => !(await names(a)).includes('added-on-a'))).toBe(true);
    });
  },
);
