import { existsSync } from 'node:fs';
import {
  assertPostgresReachable,
  assertRedisReachable,
  TEST_BROWSER,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from './services.ts';

// Suites switched on by a variable must fail loudly, never skip, when their service is missing.
export default async function setup(): Promise<void> {
  if (TEST_DATABASE_URL) await assertPostgresReachable(TEST_DATABASE_URL);
  if (TEST_REDIS_URL) await assertRedisReachable(TEST_REDIS_URL);
  if (TEST_BROWSER && !existsSync(TEST_BROWSER)) {
    throw new Error(`TEST_BROWSER is set but ${TEST_BROWSER} does not exist (apt-get install chromium)`);
  }
  const off = [
    TEST_DATABASE_URL ? null : 'PostgreSQL (set TEST_DATABASE_URL)',
    TEST_REDIS_URL ? null : 'Redis (set TEST_REDIS_URL)',
    TEST_BROWSER ? null : 'browser (set TEST_BROWSER=/usr/bin/chromium)',
  ].filter(Boolean);
  if (off.length > 0) process.stderr.write(`[gatehouse tests] suites not switched on: ${off.join(', ')}\n`);
}
