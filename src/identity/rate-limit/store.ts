/** Whether a key may try again, and if not, how long until it may. */
export interface RateLimitStatus {
  blocked: boolean;
  /** Whole seconds, rounded up, until the key's window ends: at least 1 when blocked, 0 when not. */
  retryAfterSeconds: number;
}

/**
 * Failure counters per key (a client IP, an email address) in fixed windows. A key's window starts at its
 * first recorded failure and lasts `windowMs`; once it ends, the count starts again from zero.
 * Implementations: in-process memory (one replica) and Redis (shared by replicas). All take a programming mistake (a limit or window that
 * is not a positive whole number) as a TypeError.
 */
export interface RateLimitStore {
  /**
   * Blocked when `limit` failures have been recorded for `key` inside its current window. `windowMs` is the
   * window the caller passes to `hit`; a window recorded longer than that is cut to it.
   */
  check(key: string, limit: number, windowMs: number): Promise<RateLimitStatus>;
  /** Records one failure for `key`, starting a window of `windowMs` if none is open; returns the count in it. */
  hit(key: string, windowMs: number): Promise<number>;
  /** Forgets `key`'s failures, e.g. after a successful sign-in. */
  reset(key: string): Promise<void>;
}

/** Throws TypeError unless the arguments are a string key and positive whole numbers. */
export function assertRateLimitArguments(
  key: unknown,
  ...counts: Array<[name: string, value: unknown]>
): void {
  if (typeof key !== 'string') throw new TypeError('rate limit key must be a string');
  for (const [name, value] of counts) {
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      throw new TypeError(`rate limit ${name} must be a positive whole number`);
    }
  }
}
