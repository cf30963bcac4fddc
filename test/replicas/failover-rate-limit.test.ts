import { describe, expect, it } from 'vitest';
import {
  createFailoverRateLimitStore,
  createMemoryRateLimitStore,
  type RateLimitStore,
} from '../../src/identity/rate-limit/index.ts';

const WINDOW = 60_000;

/** A real memory store standing in for Redis, which fails (like a lost connection) while `down` is set. */
function flakyPrimary() {
  const inner = createMemoryRateLimitStore();
  const state = { down: false, calls: 0 };
  const guard = <T>(run: () => Promise<T>) => {
    state.calls += 1;
    return state.down ? Promise.reject(new Error('Connection is closed.')) : run();
  };
  const store: RateLimitStore = {
    check: (key, limit, windowMs) => guard(() => inner.check(key, limit, windowMs)),
    hit: (key, windowMs) => guard(() => inner.hit(key, windowMs)),
    reset: (key) => guard(() => inner.reset(key)),
  };
  return { store, state };
}

function setup(options: { available?: () => boolean } = {}) {
  const primary = flakyPrimary();
  const clock = { ms: 1_000_000 };
  const failures: string[] = [];
  let successes = 0;
  const store = createFailoverRateLimitStore({
    primary: primary.store,
    fallback: createMemoryRateLimitStore(),
    available: options.available ?? (() => true),
    onFailure: (error) => failures.push(error.message),
    onSuccess: () => {
      successes += 1;
    },
    now: () => clock.ms,
  });
  return { store, primary, clock, failures, successes: () => successes };
}

describe('createFailoverRateLimitStore', () => {
  it('uses the primary while it works', async () => {
    const { store, primary, successes } = setup();
    expect(await store.hit('ip', WINDOW)).toBe(1);
    expect(await store.hit('ip', WINDOW)).toBe(2);
    expect(primary.state.calls).toBe(2);
    expect(successes()).toBe(2);
  });

  it('answers from the fallback when the primary fails, and reports the failure', async () => {
    const { store, primary, failures } = setup();
    await store.hit('ip', WINDOW);
    primary.state.down = true;
    expect(await store.hit('ip', WINDOW)).toBe(1);
    expect(await store.hit('ip', WINDOW)).toBe(2);
    expect((await store.check('ip', 2, WINDOW)).blocked).toBe(true);
    expect(failures).toEqual(['Connection is closed.']);
  });

  it('leaves a failed primary alone for a second, then tries it again', async () => {
    const { store, primary, clock } = setup();
    primary.state.down = true;
    await store.hit('ip', WINDOW);
    primary.state.down = false;
    await store.hit('ip', WINDOW);
    expect(primary.state.calls).toBe(1);
    clock.ms += 1000;
    expect(await store.hit('ip', WINDOW)).toBe(1);
    expect(primary.state.calls).toBe(2);
  });

  it('does not try a primary known to be unavailable', async () => {
    let available = false;
    const { store, primary } = setup({ available: () => available });
    expect(await store.hit('ip', WINDOW)).toBe(1);
    expect(primary.state.calls).toBe(0);
    available = true;
    expect(await store.hit('ip', WINDOW)).toBe(1);
    expect(primary.state.calls).toBe(1);
  });

  it('throws a programming mistake (TypeError) instead of falling back', async () => {
    const { store, failures } = setup();
    await expect(store.hit('ip', 0)).rejects.toThrow(TypeError);
    await expect(store.check('ip', -1, WINDOW)).rejects.toThrow(TypeError);
    expect(failures).toEqual([]);
  });
});
