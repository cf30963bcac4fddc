import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLimiter, HashingOverloadedError } from '../../../src/identity/passwords/index.ts';

/** A promise with its resolve function, so a test decides when a task finishes. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('createLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never runs more than maxConcurrent tasks at once with 20 parallel tasks', async () => {
    const limiter = createLimiter({ maxConcurrent: 3, queueTimeoutMs: 10_000 });
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, i) =>
      limiter.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        for (let turn = 0; turn < 1 + (i % 4); turn += 1) await nextTurn();
        running -= 1;
        return i;
      }),
    );
    expect(limiter.active).toBe(3);
    expect(limiter.waiting).toBe(17);
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('starts waiting tasks in arrival order', async () => {
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 10_000 });
    const started: number[] = [];
    const first = gate();
    const holder = limiter.run(() => first.promise);
    const waiters = [1, 2, 3, 4].map((n) =>
      limiter.run(async () => {
        started.push(n);
      }),
    );
    first.open();
    await Promise.all([holder, ...waiters]);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('rejects a waiter past the queue timeout with HashingOverloadedError, retryAfterSeconds >= 1, and never runs its task', async () => {
    vi.useFakeTimers();
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 50 });
    const slot = gate();
    const holder = limiter.run(() => slot.promise);
    let ran = false;
    const waiter = limiter
      .run(async () => {
        ran = true;
      })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);
    const error = await waiter;
    expect(error).toBeInstanceOf(HashingOverloadedError);
    expect((error as HashingOverloadedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limiter.waiting).toBe(0);
    slot.open();
    await holder;
    expect(ran).toBe(false);
    expect(limiter.active).toBe(0);
  });

  it('runs a waiter whose slot frees up before the queue timeout', async () => {
    vi.useFakeTimers();
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 50 });
    const slot = gate();
    const holder = limiter.run(() => slot.promise);
    const waiter = limiter.run(async () => 'ran');
    await vi.advanceTimersByTimeAsync(49);
    slot.open();
    await holder;
    expect(await waiter).toBe('ran');
  });

  it('refuses a caller at once when maxQueue callers already wait', async () => {
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 10_000, maxQueue: 2 });
    const slot = gate();
    const tasks = [1, 2, 3].map(() => limiter.run(() => slot.promise));
    let ran = false;
    const refused = limiter.run(async () => {
      ran = true;
    });
    await expect(refused).rejects.toBeInstanceOf(HashingOverloadedError);
    expect(limiter.waiting).toBe(2);
    slot.open();
    await Promise.all(tasks);
    expect(ran).toBe(false);
  });

  it('refuses a caller at once when queueTimeoutMs is 0 and every slot is busy', async () => {
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 0 });
    const slot = gate();
    const holder = limiter.run(() => slot.promise);
    await expect(limiter.run(async () => 'ran')).rejects.toBeInstanceOf(HashingOverloadedError);
    expect(limiter.waiting).toBe(0);
    slot.open();
    await holder;
  });

  it('rounds retryAfterSeconds up to whole seconds, and to at least 1', () => {
    expect(new HashingOverloadedError(2.5).retryAfterSeconds).toBe(3);
    expect(new HashingOverloadedError(0).retryAfterSeconds).toBe(1);
  });

  it('frees the slot when a task rejects', async () => {
    const limiter = createLimiter({ maxConcurrent: 1, queueTimeoutMs: 10_000 });
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.active).toBe(0);
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it('throws TypeError for options that are not integers in range', () => {
    expect(() => createLimiter({ maxConcurrent: 0, queueTimeoutMs: 50 })).toThrow(TypeError);
    expect(() => createLimiter({ maxConcurrent: 1.5, queueTimeoutMs: 50 })).toThrow(TypeError);
    expect(() => createLimiter({ maxConcurrent: 1, queueTimeoutMs: -1 })).toThrow(TypeError);
    expect(() => createLimiter({ maxConcurrent: 1, queueTimeoutMs: 50, maxQueue: -1 })).toThrow(TypeError);
  });
});
