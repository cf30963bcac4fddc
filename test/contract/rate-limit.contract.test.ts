import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from '../../src/identity/rate-limit/index.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, eventually, testRedis, uniquePrefix } from '../replicas/redis-helpers.ts';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const WINDOW = 60_000;
const LIMIT = 3;
const IP = '203.0.113.7';

/** A kind of store the contract runs on: `make` builds one on a clock the test moves. */
interface StoreKind {
  name: 'memory' | 'redis';
  setup(): Promise<void>;
  make(now: () => number): RateLimitStore;
  teardown(): Promise<void>;
}

const memory: StoreKind = {
  name: 'memory',
  setup: async () => {},
  make: (now) => createMemoryRateLimitStore({ now }),
  teardown: async () => {},
};

function redisKind(): StoreKind {
  let client: Redis | undefined;
  const prefix = uniquePrefix('rate-limit-contract');
  let stores = 0;
  return {
    name: 'redis',
    async setup() {
      client = await testRedis();
    },
    // Each store gets its own prefix, as each memory store has its own map.
    make: (now) => createRedisRateLimitStore({ redis: client!, prefix: `${prefix}${stores++}:`, now }),
    async teardown() {
      if (!client) return;
      await deleteKeys(client, prefix);
      await client.quit();
    },
  };
}

/** Memory always; Redis too when TEST_REDIS_URL is set. */
const KINDS: StoreKind[] = TEST_REDIS_URL ? [memory, redisKind()] : [memory];

describe.each(KINDS)('rate-limit store contract on $name', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  function makeStore() {
    const clock = { ms: T0 };
    return { store: kind.make(() => clock.ms), clock };
  }

  async function hitTimes(store: RateLimitStore, key: string, times: number) {
    for (let i = 0; i < times; i++) await store.hit(key, WINDOW);
  }

  it('does not block below the limit', async () => {
    const { store } = makeStore();
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
    await hitTimes(store, IP, LIMIT - 1);
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
  });

  it('counts hits in the current window', async () => {
    const { store } = makeStore();
    expect(await store.hit(IP, WINDOW)).toBe(1);
    expect(await store.hit(IP, WINDOW)).toBe(2);
    expect(await store.hit(IP, WINDOW)).toBe(3);
  });

  it('blocks at the limit with the whole seconds left in the window, rounded up', async () => {
    const { store, clock } = makeStore();
    await hitTimes(store, IP, LIMIT);
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 60 });
    clock.ms = T0 + 10_500;
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 50 });
    clock.ms = T0 + WINDOW - 1;
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 1 });
  });

  it('unblocks once the window that began at the first hit ends, and counts again from one', async () => {
    const { store, clock } = makeStore();
    await store.hit(IP, WINDOW);
    clock.ms = T0 + 30_000;
    await store.hit(IP, WINDOW);
    clock.ms = T0 + 50_000;
    await store.hit(IP, WINDOW);
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 10 });
    clock.ms = T0 + WINDOW;
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
    expect(await store.hit(IP, WINDOW)).toBe(1);
  });

  it('lets check cut a window recorded longer than its own windowMs', async () => {
    const { store, clock } = makeStore();
    await hitTimes(store, IP, LIMIT);
    clock.ms = T0 + 5_000;
    expect(await store.check(IP, LIMIT, 10_000)).toEqual({ blocked: true, retryAfterSeconds: 5 });
    clock.ms = T0 + 10_000;
    expect(await store.check(IP, LIMIT, 10_000)).toEqual({ blocked: false, retryAfterSeconds: 0 });
  });

  it('keeps keys independent', async () => {
    const { store } = makeStore();
    await hitTimes(store, IP, LIMIT);
    expect(await store.hit('198.51.100.1', WINDOW)).toBe(1);
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 60 });
    expect(await store.check('198.51.100.1', LIMIT, WINDOW)).toEqual({
      blocked: false,
      retryAfterSeconds: 0,
    });
  });

  it('reset clears a key', async () => {
    const { store } = makeStore();
    await hitTimes(store, IP, LIMIT);
    await store.reset(IP);
    expect(await store.check(IP, LIMIT, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
    expect(await store.hit(IP, WINDOW)).toBe(1);
  });

  it('counts exactly 1,000 for 1,000 concurrent hits on one key', async () => {
    const { store } = makeStore();
    const counts = await Promise.all(Array.from({ length: 1_000 }, () => store.hit(IP, WINDOW)));
    expect(counts.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(await store.check(IP, 1_000, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 60 });
    expect(await store.check(IP, 1_001, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
  });

  it('treats keys as opaque text (addresses, e-mail addresses, separators)', async () => {
    const { store } = makeStore();
    for (const key of ['2001:db8::1', 'password-reset:ann@example.com', 'a:b:*', '']) {
      expect(await store.hit(key, WINDOW)).toBe(1);
      expect(await store.check(key, 1, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 60 });
    }
  });

  it('throws TypeError for a limit or window that is not a positive whole number, or a key that is not text', async () => {
    const { store } = makeStore();
    await expect(store.check(IP, 0, WINDOW)).rejects.toThrow(TypeError);
    await expect(store.check(IP, LIMIT, 1.5)).rejects.toThrow(TypeError);
    await expect(store.hit(IP, -1)).rejects.toThrow(TypeError);
    await expect(store.hit(42 as unknown as string, WINDOW)).rejects.toThrow(TypeError);
    await expect(store.reset(null as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe.skipIf(!TEST_REDIS_URL)('the Redis rate-limit store across replicas', () => {
  let client: Redis;
  const prefix = uniquePrefix('rate-limit-redis');

  beforeAll(async () => {
    client = await testRedis();
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  it('two stores on one Redis and prefix (two replicas) count into the same window', async () => {
    const a = createRedisRateLimitStore({ redis: client, prefix });
    const other = await testRedis();
    try {
      const b = createRedisRateLimitStore({ redis: other, prefix });
      expect(await a.hit('shared', WINDOW)).toBe(1);
      expect(await b.hit('shared', WINDOW)).toBe(2);
      expect(await a.hit('shared', WINDOW)).toBe(3);
      expect((await b.check('shared', 3, WINDOW)).blocked).toBe(true);
      await b.reset('shared');
      expect((await a.check('shared', 1, WINDOW)).blocked).toBe(false);
    } finally {
      await other.quit();
    }
  });

  it('keeps installations with different prefixes apart', async () => {
    const one = createRedisRateLimitStore({ redis: client, prefix: `${prefix}one:` });
    const two = createRedisRateLimitStore({ redis: client, prefix: `${prefix}two:` });
    await one.hit(IP, WINDOW);
    expect(await two.hit(IP, WINDOW)).toBe(1);
    expect(await client.exists(`${prefix}one:rate-limit:${IP}`, `${prefix}two:rate-limit:${IP}`)).toBe(2);
  });

  it('without a clock, windows follow Redis’s clock: a window ends by itself and counting starts again', async () => {
    const store = createRedisRateLimitStore({ redis: client, prefix });
    const windowMs = 300;
    for (let i = 0; i < LIMIT; i++) await store.hit('short', windowMs);
    expect(await store.check('short', LIMIT, windowMs)).toEqual({ blocked: true, retryAfterSeconds: 1 });
    expect(await eventually(async () => !(await store.check('short', LIMIT, windowMs)).blocked)).toBe(true);
    expect(await store.hit('short', windowMs)).toBe(1);
  });

  it('lets Redis expire a window’s key once the window is over', async () => {
    const store = createRedisRateLimitStore({ redis: client, prefix });
    await store.hit('expiring', 60_000);
    const ttl = await client.pttl(`${prefix}rate-limit:expiring`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps working after Redis forgets its cached scripts (SCRIPT FLUSH)', async () => {
    const store = createRedisRateLimitStore({ redis: client, prefix });
    expect(await store.hit('flushed', WINDOW)).toBe(1);
    await client.script('FLUSH');
    expect(await store.hit('flushed', WINDOW)).toBe(2);
    expect((await store.check('flushed', 2, WINDOW)).blocked).toBe(true);
  });
});
