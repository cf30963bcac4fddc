/**
 * Work started after a response was decided (mail, reset tokens), tracked so shutdown and tests
 * can wait for it. Failures are reported to `onError` and never reach the request.
 */
export interface BackgroundWork {
  run(task: () => Promise<void>): void;
  /** Resolves when every task started so far has finished. */
  idle(): Promise<void>;
}

/** A tracker of background tasks. */
export function createBackgroundWork(onError: (error: unknown) => void): BackgroundWork {
  const pending = new Set<Promise<void>>();
  return {
    run(task) {
      const promise: Promise<void> = Promise.resolve()
        .then(task)
        .catch(onError)
        .finally(() => pending.delete(promise));
      pending.add(promise);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
