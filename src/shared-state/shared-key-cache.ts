import type { KeyCache } from '../identity/keys/key-cache.ts';
import type { BroadcastBus } from './broadcast-bus.ts';

const MAX_PENDING_LOOKUPS = 10_000;

/**
 * Wraps this replica's key cache so that every eviction made here is also published, and every
 * eviction published by another replica (or a resync) is applied here: a key revoked or a user
 * disabled on any replica stops working on all of them as soon as the event arrives. Service code
 * keeps calling `evictKey` / `evictUser` as before.
 */
export function shareKeyCache(local: KeyCache, bus: BroadcastBus): KeyCache {
  // A lookup that read the database before an eviction arrived must not cache what it read: the
  // generation it missed at is remembered, and `set` keeps the entry only if no eviction came since.
  let generation = 0;
  const pendingLookups = new Map<string, number>();
  const evicted = () => {
    generation += 1;
  };

  bus.subscribe((event) => {
    switch (event.type) {
      case 'evict-key':
        evicted();
        local.evictKey(event.keyId);
        break;
      case 'evict-user':
        evicted();
        local.evictUser(event.userId);
        break;
      case 'clear-keys':
      case 'resync':
        evicted();
        local.clear();
        break;
      default:
        break;
    }
  });

  return {
    get(tokenHash, now) {
      const entry = local.get(tokenHash, now);
      if (entry === null) {
        pendingLookups.delete(tokenHash);
        if (pendingLookups.size >= MAX_PENDING_LOOKUPS) pendingLookups.clear();
        pendingLookups.set(tokenHash, generation);
      }
      return entry;
    },
    set(tokenHash, entry) {
      const missedAt = pendingLookups.get(tokenHash);
      pendingLookups.delete(tokenHash);
      if (missedAt !== undefined && missedAt !== generation) return;
      local.set(tokenHash, entry);
    },
    evictKey(keyId) {
      evicted();
      local.evictKey(keyId);
      bus.publish({ type: 'evict-key', keyId });
    },
    evictUser(userId) {
      evicted();
      local.evictUser(userId);
      bus.publish({ type: 'evict-user', userId });
    },
    clear() {
      evicted();
      local.clear();
      bus.publish({ type: 'clear-keys' });
    },
    get size() {
      return local.size;
    },
  };
}
