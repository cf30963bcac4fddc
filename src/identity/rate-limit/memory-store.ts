import { assertRateLimitArguments, type RateLimitStatus, type RateLimitStore } from './store.ts';

/** How many keys the memory store holds by default before it evicts the oldest window. */
export const DEFAULT_MAX_KEYS = 100_000;

/** How often, by the store's clock, a hit also sweeps out every expired window. */
export const SWEEP_INTERVAL_MS = 60_000;

/** Options for `createMemoryRateLimitStore`. */
export interface MemoryRateLimitStoreOptions {
  /** The clock, in epoch milliseconds; defaults to `Date.now`. */
  now?: () => number;
  /** The most keys held at once; defaults to 100,000. */
  maxKeys?: number;
}

/** The in-process store, which can also say how many keys it holds. */
export interface MemoryRateLimitStore extends RateLimitStore {
  /** The number of keys currently stored, expired ones not yet swept included. */
  readonly size: number;
}

const FULL_STORE_SWEEP_INTERVAL_MS = 1_000;

interface Window {
  count: number;
  startedAt: number;
  endsAt: number;
}

/**
 * Creates a rate-limit store in this process's memory: for a single instance or for development.
 * Memory stays bounded: ended windows are dropped when touched and swept at most once a minute on hits; at
 * `maxKeys` keys, ended windows are swept (at most once a second) and then the oldest window is evicted.
 * It starts no timers. Throws TypeError on bad options.
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): MemoryRateLimitStore {
  const { now = Date.now, maxKeys = DEFAULT_MAX_KEYS } = options;
  if (typeof now !== 'function') throw new TypeError('createMemoryRateLimitStore: now must be a function');
  if (!Number.isSafeInteger(maxKeys) || maxKeys <= 0) {
    throw new TypeError('createMemoryRateLimitStore: maxKeys must be a positive whole number');
  }
  // Map keeps insertion order, and a key is re-inserted whenever its window restarts, so the first entry is
  // always the oldest window: eviction is O(1).
  const windows = new Map<string, Window>();
  let lastSweepAt = now();

  function current(key: string, at: number): Window | undefined {
    const window = windows.get(key);
    if (window === undefined || window.endsAt > at) return window;
    windows.delete(key);
    return undefined;
  }

  function sweep(at: number): void {
    lastSweepAt = at;
    for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
  }

  function makeRoom(at: number): void {
    if (windows.size < maxKeys) return;
    // Ended windows go first, but a full sweep is O(n): at most once a second, so an attacker cycling through
    // keys (spoofed IPs) cannot make every hit scan the whole map.
    if (at - lastSweepAt >= FULL_STORE_SWEEP_INTERVAL_MS) sweep(at);
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) return;
      windows.delete(key);
    }
  }

  return {
    get size() {
      return windows.size;
    },

    async check(key: string, limit: number, windowMs: number): Promise<RateLimitStatus> {
      assertRateLimitArguments(key, ['limit', limit], ['windowMs', windowMs]);
      const at = now();
      const window = current(key, at);
      if (window === undefined) return { blocked: false, retryAfterSeconds: 0 };
      const endsAt = Math.min(window.endsAt, window.startedAt + windowMs);
      if (window.count < limit || endsAt <= at) return { blocked: false, retryAfterSeconds: 0 };
      return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - at) / 1000)) };
    },

    async hit(key: string, windowMs: number): Promise<number> {
      assertRateLimitArguments(key, ['windowMs', windowMs]);
      const at = now();
      if (at - lastSweepAt >= SWEEP_INTERVAL_MS) sweep(at);
      const window = current(key, at);
      if (window !== undefined) return ++window.count;
      makeRoom(at);
      windows.set(key, { count: 1, startedAt: at, endsAt: at + windowMs });
      return 1;
    },

    async reset(key: string): Promise<void> {
      assertRateLimitArguments(key);
      windows.delete(key);
    },
  };
}
