import type { ApiTokensRepository } from '../../store/index.ts';

/**
 * Collects when each key was last used and writes it in batches, so a busy key costs no database
 * write per request. `flush` writes what was collected; `start` flushes every `intervalMs`.
 */
export interface KeyUsage {
  note(keyId: string, at: Date): void;
  flush(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** A batched last-used recorder over the key repository. */
export function createKeyUsage(
  repository: ApiTokensRepository,
  intervalMs: number,
  onError: (error: unknown) => void,
): KeyUsage {
  let pending = new Map<string, Date>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = pending;
    pending = new Map();
    flushing = flushing.then(() => (batch.size > 0 ? repository.touch(batch) : undefined)).catch(onError);
    return flushing;
  };
  return {
    note(keyId, at) {
      pending.set(keyId, at);
    },
    flush,
    start() {
      timer ??= setInterval(() => void flush(), intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
