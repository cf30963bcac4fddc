import {
  assertPostgresReachable,
  assertRedisReachable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from './services.ts';

// Suites switched on by a variable must fail loudly, never skip, when their service is missing.
export default async function setup(): Promise<void> {
  if (TEST_DATABASE_URL) await assertPostgresReachable(TEST_DATABASE_URL);
  if (TEST_REDIS_URL) await assertRedisReachable(TEST_REDIS_URL);
  const off = [
    TEST_DATABASE_URL ? null : 'PostgreSQL (set TEST_DATABASE_URL)',
    TEST_REDIS_URL ? null : 'Redis (set TEST_REDIS_URL)',
  ].filter(Boolean);
  if (off.length > 0) process.stderr.write(`[gatehouse tests] suites not switched on: ${off.join(', ')}\n`);
}
