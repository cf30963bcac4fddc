/**
 * Thrown (as a rejection) when a task could not get a slot in time, or found the queue full.
 * The task never ran. `retryAfterSeconds` (at least 1) is meant for a `Retry-After` header.
 */
export class HashingOverloadedError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Password hashing is overloaded; try again later');
    this.name = 'HashingOverloadedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** Options of `createLimiter`. */
export interface LimiterOptions {
  /** Tasks running at once (an integer, at least 1). */
  maxConcurrent: number;
  /** How long a task may wait for a slot, in ms; 0 means it never waits. */
  queueTimeoutMs: number;
  /** Tasks allowed to wait at once; one more is refused at once. Default 1000. */
  maxQueue?: number;
}

/** Runs async tasks with bounded concurrency and a bounded, time-limited FIFO queue. */
export interface Limiter {
  /**
   * Runs `fn` once a slot is free and settles as it does. Rejects with `HashingOverloadedError`,
   * without calling `fn`, when the wait would pass the queue timeout or the queue is full, and
   * with TypeError when `fn` is not a function. A free slot is taken before `run` returns.
   */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot now. */
  readonly waiting: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

function requireInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer of at least ${min}`);
  }
  return value;
}

/**
 * Creates a limiter: at most `maxConcurrent` tasks run at once and the others wait in arrival
 * order. Throws TypeError for options that are not non-negative integers (maxConcurrent ≥ 1).
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const maxConcurrent = requireInteger('maxConcurrent', options.maxConcurrent, 1);
  const queueTimeoutMs = requireInteger('queueTimeoutMs', options.queueTimeoutMs, 0);
  const maxQueue = requireInteger('maxQueue', options.maxQueue ?? 1000, 0);
  const retryAfterSeconds = queueTimeoutMs / 1000;
  // A Set iterates in insertion order, so it is a FIFO queue that also drops a timed-out waiter in O(1).
  const waiters = new Set<Waiter>();
  let active = 0;

  function acquire(): Promise<void> {
    if (active < maxConcurrent && waiters.size === 0) {
      active += 1;
      return Promise.resolve();
    }
    if (queueTimeoutMs === 0 || waiters.size >= maxQueue) {
      return Promise.reject(new HashingOverloadedError(retryAfterSeconds));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(new HashingOverloadedError(retryAfterSeconds));
        }, queueTimeoutMs),
      };
      waiters.add(waiter);
    });
  }

  function release(): void {
    const next = waiters.values().next();
    if (next.done) {
      active -= 1;
      return;
    }
    // The slot passes straight to the oldest waiter, so a newcomer cannot jump the queue.
    waiters.delete(next.value);
    clearTimeout(next.value.timer);
    next.value.grant();
  }

  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (typeof fn !== 'function') throw new TypeError('run() takes a function');
      await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.size;
    },
  };
}
