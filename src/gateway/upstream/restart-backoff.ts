/** When a lost or failed backend connection is tried again. */
export interface RestartPolicy {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs: number;
  /** Cap of the doubling delay. Default 30 s. */
  maxDelayMs: number;
  /** A session that stayed up this long resets the delay to `initialDelayMs`. Default 60 s. */
  stableMs: number;
}

/** The defaults of {@link RestartPolicy}. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableMs: 60_000,
});

/**
 * The delay before retry number `failures` (0 for the first): `initialDelayMs` doubling up to
 * `maxDelayMs`. Throws TypeError for a negative or fractional count.
 */
export function restartDelay(failures: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  if (!Number.isInteger(failures) || failures < 0) {
    throw new TypeError('failures must be a non-negative integer');
  }
  // 2 ** 31 already exceeds any sane cap; clamping the exponent keeps the arithmetic finite.
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(failures, 31));
}
