import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { deleteKeys, eventually, redisBehindProxy, testRedis, uniquePrefix } from './redis-helpers.ts';
import { ADMIN, call, loginFor, replicaEnv, startReplica } from './replica-helpers.ts';

/** The Redis state changes a replica logged (its `redis` field), as [level, state]. */
function redisTransitions(replica: ServerProcess): Array<[number, string]> {
  return replica
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; redis?: string })
    .filter((entry) => entry.redis !== undefined)
    .map((entry) => [entry.level, entry.redis!]);
}

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)(
  'a replica that loses Redis',
  { timeout: 60_000 },
  () => {
    const prefix = uniquePrefix('redis-outage');
    let database: TestDatabase;
    let proxy: TcpProxy;
    let a: ServerProcess;
    let b: ServerProcess;
    let adminToken: string;
    let cachedKey: string;

    beforeAll(async () => {
      database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
      const behindProxy = await redisBehindProxy();
      proxy = behindProxy.proxy;
      const common = { databaseUrl: database.url, prefix, env: { API_KEY_CACHE_TTL_SECONDS: '3600' } };
      a = await startReplica(replicaEnv({ ...common, redisUrl: TEST_REDIS_URL }));
      b = await startReplica(
        replicaEnv({ ...common, redisUrl: behindProxy.url, env: { ...common.env, LOG_LEVEL: 'info' } }),
      );
      adminToken = await loginFor(a, ADMIN.email, ADMIN.password);
      await call(a, 'POST', '/users', {
        bearer: adminToken,
        body: { username: 'kim', email: 'kim@example.com' },
      });
      const key = await call(a, 'POST', '/users/kim/keys', { bearer: adminToken, body: { key_name: 'k' } });
      cachedKey = key.body.api_key as string;
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await proxy?.close();
      await database?.drop();
      const redis = await testRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    const me = (replica: ServerProcess, bearer: string, ip?: string) =>
      call(replica, 'GET', '/auth/email/me', { bearer, ip });

    it('keeps serving with local limits, says "degraded" in /ready, and recovers by itself', async () => {
      expect((await me(b, cachedKey)).status).toBe(200);
      expect((await call(b, 'GET', '/ready')).body).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });

      await proxy.cut();
      expect(
        await eventually(async () => {
          const ready = await call(b, 'GET', '/ready');
          return ready.status === 200 && ready.body.redis === 'degraded';
        }),
      ).toBe(true);
      expect((await call(b, 'GET', '/ready')).body).toEqual({
        status: 'ready',
        database: 'ok',
        redis: 'degraded',
      });

      // Still serving: logins, tokens and keys.
      const token = await loginFor(b, ADMIN.email, ADMIN.password, '192.0.2.77');
      expect((await me(b, token)).status).toBe(200);
      expect((await me(b, cachedKey)).status).toBe(200);

      // Local limits: B blocks an address after 10 failures it saw itself; A, which saw none, does not.
      const ip = '203.0.113.50';
      for (let i = 0; i < 10; i++) {
        const failed = await call(b, 'POST', '/auth/email/login', {
          ip,
          body: { email: 'nobody@example.com', password: 'wrong password' },
        });
        expect(failed.status).toBe(401);
      }
      expect((await me(b, adminToken, ip)).status).toBe(429);
      expect((await me(a, adminToken, ip)).status).toBe(200);

      // A revocation on A while B cannot hear it: B applies it once it is back.
      const revoked = await call(a, 'POST', '/keys/revoke', {
        bearer: adminToken,
        body: { api_key: cachedKey },
      });
      expect(revoked.status).toBe(200);

      await proxy.restore();
      expect(await eventually(async () => (await call(b, 'GET', '/ready')).body.redis === 'ok', 10_000)).toBe(
        true,
      );
      expect(await eventually(async () => (await me(b, cachedKey)).status === 401)).toBe(true);

      // One line per transition, however many reconnection attempts happened in between.
      expect(redisTransitions(b)).toEqual([
        [30, 'ok'],
        [40, 'degraded'],
        [30, 'ok'],
      ]);
    });

    it('shares limits again once reconnected: failures spread over A and B block the address on both', async () => {
      const ip = '203.0.113.60';
      for (let i = 0; i < 10; i++) {
        const failed = await call(i % 2 === 0 ? a : b, 'POST', '/auth/email/login', {
          ip,
          body: { email: 'nobody@example.com', password: 'wrong password' },
        });
        expect(failed.status).toBe(401);
      }
      expect((await me(a, adminToken, ip)).status).toBe(429);
      expect((await me(b, adminToken, ip)).status).toBe(429);
    });
  },
);
