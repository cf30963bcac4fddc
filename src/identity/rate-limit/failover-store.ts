import type { RateLimitStatus, RateLimitStore } from './store.ts';

/** Options for `createFailoverRateLimitStore`. */
export interface FailoverRateLimitStoreOptions {
  /** The shared store (Redis). */
  primary: RateLimitStore;
  /** The store used while the primary is unavailable (this process's memory). */
  fallback: RateLimitStore;
  /** False while the primary is known to be unreachable: it is not even tried. */
  available: () => boolean;
  /** Called with each failure of the primary. */
  onFailure?: (error: Error) => void;
  /** Called after each success of the primary. */
  onSuccess?: () => void;
  /** After a failure, how long the primary is left alone before it is tried again; default 1 s. */
  retryAfterMs?: number;
  /** The clock, in epoch milliseconds; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * A store that uses `primary` and, while it is unavailable or failing, `fallback`: a replica that
 * loses Redis keeps limiting failures with its own counts rather than failing open or refusing
 * everyone. Counts made in one store are not carried over to the other. A programming mistake
 * (TypeError) is thrown, never hidden by the fallback.
 */
export function createFailoverRateLimitStore(options: FailoverRateLimitStoreOptions): RateLimitStore {
  const { primary, fallback, available, onFailure, onSuccess, retryAfterMs = 1000, now = Date.now } = options;
  // A primary that hangs rather than refuses would cost every request its timeout: rest it a moment.
  let restingUntil = 0;

  async function use<T>(operation: (store: RateLimitStore) => Promise<T>): Promise<T> {
    if (!available() || now() < restingUntil) return operation(fallback);
    try {
      const result = await operation(primary);
      onSuccess?.();
      return result;
    } catch (error) {
      if (error instanceof TypeError || !(error instanceof Error)) throw error;
      restingUntil = now() + retryAfterMs;
      onFailure?.(error);
      return operation(fallback);
    }
  }

  return {
    check: (key: string, limit: number, windowMs: number): Promise<RateLimitStatus> =>
      use((store) => store.check(key, limit, windowMs)),
    hit: (key: string, windowMs: number): Promise<number> => use((store) => store.hit(key, windowMs)),
    reset: (key: string): Promise<void> => use((store) => store.reset(key)),
  };
}
