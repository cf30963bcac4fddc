import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimitStore,
  SWEEP_INTERVAL_MS,
  type MemoryRateLimitStoreOptions,
} from '../../../src/identity/rate-limit/index.ts';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const WINDOW = 60_000;
const LIMIT = 3;
const IP = '203.0.113.7';

function makeStore(options: MemoryRateLimitStoreOptions = {}) {
  const clock = { ms: T0 };
  const store = createMemoryRateLimitStore({ now: () => clock.ms, ...options });
  return { store, clock };
}

async function hitTimes(store: ReturnType<typeof makeStore>['store'], key: string, times: number) {
  for (let i = 0; i < times; i++) await store.hit(key, WINDOW);
}

describe('createMemoryRateLimitStore', () => {
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
    expect(store.size).toBe(1);
  });

  it('counts exactly 1,000 for 1,000 concurrent hits on one key', async () => {
    const { store } = makeStore();
    const counts = await Promise.all(Array.from({ length: 1_000 }, () => store.hit(IP, WINDOW)));
    expect(counts.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(await store.check(IP, 1_000, WINDOW)).toEqual({ blocked: true, retryAfterSeconds: 60 });
    expect(await store.check(IP, 1_001, WINDOW)).toEqual({ blocked: false, retryAfterSeconds: 0 });
  });

  it('bounds the number of stored keys by maxKeys, evicting the oldest window first', async () => {
    const { store, clock } = makeStore({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      await store.hit(key, WINDOW);
      clock.ms += 1;
    }
    expect(store.size).toBe(3);
    for (const evicted of ['a', 'b']) expect((await store.check(evicted, 1, WINDOW)).blocked).toBe(false);
    for (const kept of ['c', 'd', 'e']) expect((await store.check(kept, 1, WINDOW)).blocked).toBe(true);
  });

  it('evicts an ended window before a live one when full', async () => {
    const { store, clock } = makeStore({ maxKeys: 2 });
    await store.hit('long', WINDOW);
    clock.ms += 1;
    await store.hit('short', 1_000);
    clock.ms = T0 + 2_000;
    await store.hit('new', WINDOW);
    expect(store.size).toBe(2);
    expect((await store.check('long', 1, WINDOW)).blocked).toBe(true);
    expect((await store.check('new', 1, WINDOW)).blocked).toBe(true);
  });

  it('drops an ended window when its key is next checked', async () => {
    const { store, clock } = makeStore();
    await store.hit(IP, 1_000);
    clock.ms = T0 + 1_000;
    expect(store.size).toBe(1);
    await store.check(IP, LIMIT, WINDOW);
    expect(store.size).toBe(0);
  });

  it('sweeps every ended window on a hit once the sweep interval has passed', async () => {
    const { store, clock } = makeStore();
    for (const key of ['a', 'b', 'c']) await store.hit(key, 1_000);
    clock.ms = T0 + SWEEP_INTERVAL_MS - 1;
    await store.hit('d', WINDOW);
    expect(store.size).toBe(4);
    clock.ms = T0 + SWEEP_INTERVAL_MS;
    await store.hit('e', WINDOW);
    expect(store.size).toBe(2);
  });

  it('starts no timer that keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const store = createMemoryRateLimitStore();
    await store.hit(IP, WINDOW);
    await store.check(IP, LIMIT, WINDOW);
    expect(timers()).toBe(before);
  });

  it('throws TypeError for a limit, window or maxKeys that is not a positive whole number', async () => {
    const { store } = makeStore();
    await expect(store.check(IP, 0, WINDOW)).rejects.toThrow(TypeError);
    await expect(store.check(IP, LIMIT, 1.5)).rejects.toThrow(TypeError);
    await expect(store.hit(IP, -1)).rejects.toThrow(TypeError);
    await expect(store.hit(42 as unknown as string, WINDOW)).rejects.toThrow(TypeError);
    expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(TypeError);
  });
});
