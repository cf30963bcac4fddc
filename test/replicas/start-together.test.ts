import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, testRedis, uniquePrefix } from './redis-helpers.ts';
import { ADMIN, call, loginFor, query, replicaEnv, startReplica } from './replica-helpers.ts';

function logMessages(replica: ServerProcess): string[] {
  return replica
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)(
  'replicas starting together on an empty database',
  { timeout: 60_000 },
  () => {
    const prefix = uniquePrefix('start-together');
    let database: TestDatabase | undefined;
    let replicas: ServerProcess[] = [];

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await database?.drop();
      const redis = await testRedis();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });

    it('migrate it once, create one platform admin, and agree on one generated JWT secret', async () => {
      database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
      const env = replicaEnv({
        databaseUrl: database.url,
        redisUrl: TEST_REDIS_URL,
        prefix,
        env: { LOG_LEVEL: 'info' },
      });
      replicas = await Promise.all([startReplica(env), startReplica(env), startReplica(env)]);

      const migrations = await query<{ name: string }>(database.url, 'select name from kysely_migration');
      expect(migrations.map((m) => m.name).sort()).toEqual(Object.keys(MIGRATIONS).sort());
      const migratedBy = replicas.filter((r) => logMessages(r).includes('database migrated'));
      expect(migratedBy).toHaveLength(1);

      const admins = await query(database.url, 'select id from email_users where email = $1', [ADMIN.email]);
      expect(admins).toHaveLength(1);
      const secrets = await query(database.url, `select value from settings where key = 'jwt_secret_key'`);
      expect(secrets).toHaveLength(1);

      // One secret: a token signed by any replica is accepted by every other.
      for (const issuer of replicas) {
        const token = await loginFor(issuer, ADMIN.email, ADMIN.password);
        for (const verifier of replicas) {
          expect((await call(verifier, 'GET', '/auth/email/me', { bearer: token })).status).toBe(200);
        }
      }
    });
  },
);
