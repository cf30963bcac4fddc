import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { behindProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/** A key prefix no other test run uses, so runs sharing one Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `gatehouse-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A plain client of TEST_REDIS_URL, for a test's own checks. */
export async function testRedis(): Promise<Redis> {
  const client = new Redis(TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/** Deletes every key starting with `prefix`. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A TCP relay in front of TEST_REDIS_URL and the Redis URL that goes through it. */
export function redisBehindProxy(): Promise<{ proxy: TcpProxy; url: string }> {
  return behindProxy(TEST_REDIS_URL!, 6379);
}

/** Polls `condition` every 25 ms until it holds or `timeoutMs` passes; resolves to whether it held. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
