import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** A running watch; `close()` stops it. */
export interface FileWatch {
  close(): void;
}

/** How often the file's metadata is compared as well, for file systems whose events go missing. */
const POLL_MS = 5_000;

/**
 * Calls `onChange` (debounced by `debounceMs`) whenever the directory holding `path` reports an
 * event, or the file's size, time or inode changes. The directory is watched rather than the file
 * because editors and Kubernetes replace files (new inode, symlink swap) instead of writing them in
 * place, which ends a watch on the file itself. `onChange` must tolerate calls with no change.
 */
export function watchFile(path: string, onChange: () => void, options: { debounceMs: number }): FileWatch {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastSeen = '';
  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, options.debounceMs);
  };
  const name = basename(path);
  let watcher: FSWatcher | null = null;
  try {
    // Any event in the directory may be ours: a ConfigMap update renames `..data`, not the file.
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (
        filename === null ||
        filename === name ||
        filename.startsWith('..') ||
        filename.startsWith(`.${name}`)
      )
        fire();
    });
    watcher.on('error', () => {
      // The directory went away: polling carries on and reports the missing file.
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null;
  }
  const poll = setInterval(() => {
    stat(path)
      .then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`)
      .catch(() => 'missing')
      .then((seen) => {
        if (lastSeen !== '' && seen !== lastSeen) fire();
        lastSeen = seen;
      });
  }, POLL_MS);
  poll.unref();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
