import type { ApiTokenRecord, UserRecord } from '../../store/index.ts';
import type { AccessPolicy } from '../access/index.ts';

/** A verified key and its user, as of `loadedAt`. */
export interface CachedKey {
  key: ApiTokenRecord;
  user: UserRecord;
  /** The key's scope, parsed once when loaded: null means none; 'invalid' means it no longer parses. */
  scope: AccessPolicy | null | 'invalid';
  loadedAt: number;
}

/**
 * In-memory key lookups by hash. Changes made through Gatehouse (revoke, disable, delete) evict
 * entries synchronously; `ttlMs` bounds how long a change made outside it (raw SQL) can go unseen.
 */
export interface KeyCache {
  get(tokenHash: string, now: number): CachedKey | null;
  set(tokenHash: string, entry: CachedKey): void;
  evictKey(keyId: string): void;
  evictUser(userId: string): void;
  clear(): void;
  readonly size: number;
}

/** A bounded key cache (oldest entry evicted first). */
export function createKeyCache(options: { ttlMs: number; maxEntries: number }): KeyCache {
  const entries = new Map<string, CachedKey>();
  const evictWhere = (match: (entry: CachedKey) => boolean) => {
    for (const [hash, entry] of entries) if (match(entry)) entries.delete(hash);
  };
  return {
    get(tokenHash, now) {
      const entry = entries.get(tokenHash);
      if (!entry) return null;
      if (now - entry.loadedAt >= options.ttlMs) {
        entries.delete(tokenHash);
        return null;
      }
      return entry;
    },
    set(tokenHash, entry) {
      entries.delete(tokenHash);
      if (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(tokenHash, entry);
    },
    evictKey: (keyId) => evictWhere((entry) => entry.key.id === keyId),
    evictUser: (userId) => evictWhere((entry) => entry.user.id === userId),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
