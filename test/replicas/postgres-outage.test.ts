import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.ts';
import { behindProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { deleteKeys, eventually, testRedis, uniquePrefix } from './redis-helpers.ts';
import { ADMIN, call, loginFor, replicaEnv, startReplica } from './replica-helpers.ts';

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)(
  'a replica that loses PostgreSQL',
  { timeout: 60_000 },
  () => {
    const prefix = uniquePrefix('postgres-outage');
    let database: TestDatabase;
    let proxy: TcpProxy;
    let cutOff: ServerProcess;
    let other: ServerProcess;

    beforeAll(async () => {
      database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
      const relayed = await behindProxy(database.url, 5432);
      proxy = relayed.proxy;
      other = await startReplica(replicaEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, prefix }));
      cutOff = await startReplica(replicaEnv({ databaseUrl: relayed.url, redisUrl: TEST_REDIS_URL, prefix }));
    }, 60_000);

    afterAll(async () => {
      await Promise.all([cutOff?.stop(), other?.stop()]);
      await proxy?.close();
      await database?.drop();
      const redis = await testRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    it('fails closed: /ready 503 and authenticated requests refused with 503 + Retry-After, never let through', async () => {
      const token = await loginFor(cutOff, ADMIN.email, ADMIN.password);
      expect((await call(cutOff, 'GET', '/auth/email/me', { bearer: token })).status).toBe(200);

      await proxy.cut();
      const ready = await call(cutOff, 'GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', database: 'unavailable', redis: 'ok' });
      // Alive, so an orchestrator takes it out of rotation rather than killing it.
      expect((await call(cutOff, 'GET', '/health')).status).toBe(200);

      // More refusals from one address than AUTH_RATE_LIMIT_MAX_ATTEMPTS (10): none may count as a failure.
      for (let i = 0; i < 11; i++) {
        const refused = await call(cutOff, 'GET', '/auth/email/me', { bearer: token, ip: '192.0.2.90' });
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(refused.body.error).toBe('service_unavailable');
      }
      const login = await call(cutOff, 'POST', '/auth/email/login', {
        ip: '192.0.2.90',
        body: { email: ADMIN.email, password: ADMIN.password },
      });
      expect(login.status).toBe(503);
      expect(login.headers.get('retry-after')).toBe('5');
      expect(login.body).not.toHaveProperty('access_token');

      // The replica that still reaches the database is unaffected.
      expect((await call(other, 'GET', '/auth/email/me', { bearer: token })).status).toBe(200);
    });

    it('recovers by itself once PostgreSQL is reachable again, without counting the outage as failed sign-ins', async () => {
      await proxy.restore();
      expect(await eventually(async () => (await call(cutOff, 'GET', '/ready')).status === 200, 10_000)).toBe(
        true,
      );
      expect((await call(cutOff, 'GET', '/ready')).body).toEqual({
        status: 'ready',
        database: 'ok',
        redis: 'ok',
      });
      const token = await loginFor(cutOff, ADMIN.email, ADMIN.password, '192.0.2.90');
      expect((await call(cutOff, 'GET', '/auth/email/me', { bearer: token, ip: '192.0.2.90' })).status).toBe(
        200,
      );
    });
  },
);
