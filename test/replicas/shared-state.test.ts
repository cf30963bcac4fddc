import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeyCache, type CachedKey, type KeyCache } from '../../src/identity/keys/key-cache.ts';
import { type SharedEvent, startSharedState } from '../../src/shared-state/index.ts';
import { createBroadcastBus } from '../../src/shared-state/broadcast-bus.ts';
import { openRedis } from '../../src/shared-state/redis-connection.ts';
import { shareKeyCache } from '../../src/shared-state/shared-key-cache.ts';
import { capturedLogger } from '../helpers/captured-log.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, eventually, redisBehindProxy, testRedis, uniquePrefix } from './redis-helpers.ts';

function cachedKey(keyId: string, userId: string): CachedKey {
  return {
    key: { id: keyId, userId } as CachedKey['key'],
    user: { id: userId } as CachedKey['user'],
    scope: null,
    loadedAt: Date.now(),
  };
}

const localCache = (): KeyCache => createKeyCache({ ttlMs: 3_600_000, maxEntries: 100 });

describe.skipIf(!TEST_REDIS_URL)('shared state through Redis', () => {
  const prefix = uniquePrefix('shared-state');
  const opened: Array<{ close(): Promise<unknown> }> = [];
  let admin: Redis;

  /** A bus on `channel` with its own two connections, closed after the test. */
  async function bus(channel = `${prefix}events`) {
    const publisher = openRedis(TEST_REDIS_URL!, 'test-publisher');
    const subscriber = openRedis(TEST_REDIS_URL!, 'test-subscriber');
    await Promise.all([publisher.connect(), subscriber.connect()]);
    opened.push({ close: () => Promise.all([publisher.quit(), subscriber.quit()]) });
    const created = createBroadcastBus({ publisher, subscriber, channel, logger: capturedLogger().logger });
    await created.start();
    const received: SharedEvent[] = [];
    created.subscribe((event) => received.push(event));
    return { bus: created, received };
  }

  async function replica(url = TEST_REDIS_URL!, startupWaitMs?: number) {
    const log = capturedLogger();
    const shared = await startSharedState({ url, prefix, logger: log.logger, startupWaitMs });
    opened.push(shared);
    return { shared, ...log };
  }

  beforeAll(async () => {
    admin = await testRedis();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((item) => item.close()));
  });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('delivers an event to every other bus on the channel, but not back to its sender', async () => {
    const a = await bus();
    const b = await bus();
    const c = await bus();
    a.bus.publish({ type: 'evict-key', keyId: 'k1' });
    expect(await eventually(() => b.received.length === 1 && c.received.length === 1)).toBe(true);
    expect(b.received).toEqual([{ type: 'evict-key', keyId: 'k1' }]);
    expect(c.received).toEqual([{ type: 'evict-key', keyId: 'k1' }]);
    expect(a.received).toEqual([]);
  });

  it('does not deliver events of another prefix’s channel', async () => {
    const a = await bus(`${prefix}events`);
    const other = await bus(`${prefix}other:events`);
    const b = await bus(`${prefix}events`);
    other.bus.publish({ type: 'clear-keys' });
    a.bus.publish({ type: 'backends-changed' });
    expect(await eventually(() => b.received.length === 1)).toBe(true);
    expect(b.received).toEqual([{ type: 'backends-changed' }]);
    expect(a.received).toEqual([]);
  });

  it('ignores malformed messages on the channel and keeps delivering well-formed ones', async () => {
    const b = await bus();
    const channel = `${prefix}events`;
    for (const junk of [
      'not json',
      '[]',
      JSON.stringify({ v: 2, from: 'x', event: { type: 'clear-keys' } }),
      JSON.stringify({ v: 1, from: 'x', event: { type: 'evict-key' } }),
      JSON.stringify({ v: 1, from: 'x', event: { type: 'drop-tables' } }),
      JSON.stringify({ v: 1, event: { type: 'clear-keys' } }),
    ]) {
      await admin.publish(channel, junk);
    }
    await admin.publish(
      channel,
      JSON.stringify({ v: 1, from: 'x', event: { type: 'evict-user', userId: 'u1' } }),
    );
    expect(await eventually(() => b.received.length > 0)).toBe(true);
    expect(b.received).toEqual([{ type: 'evict-user', userId: 'u1' }]);
  });

  it('an eviction on one replica’s key cache evicts the entry from another replica’s cache', async () => {
    const a = await bus();
    const b = await bus();
    const cacheA = shareKeyCache(localCache(), a.bus);
    const cacheB = shareKeyCache(localCache(), b.bus);
    for (const cache of [cacheA, cacheB]) {
      cache.get('hash-1', Date.now());
      cache.set('hash-1', cachedKey('key-1', 'user-1'));
      cache.get('hash-2', Date.now());
      cache.set('hash-2', cachedKey('key-2', 'user-2'));
    }
    cacheA.evictKey('key-1');
    expect(await eventually(() => cacheB.get('hash-1', Date.now()) === null)).toBe(true);
    expect(cacheB.get('hash-2', Date.now())).not.toBeNull();
    cacheA.evictUser('user-2');
    expect(await eventually(() => cacheB.get('hash-2', Date.now()) === null)).toBe(true);
    expect(cacheA.size).toBe(0);
  });

  it('does not cache a key read from the database before an eviction arrived', async () => {
    const a = await bus();
    const b = await bus();
    const cacheA = shareKeyCache(localCache(), a.bus);
    const cacheB = shareKeyCache(localCache(), b.bus);
    // B misses and reads the key; meanwhile A revokes it; then B's read completes.
    expect(cacheB.get('hash-1', Date.now())).toBeNull();
    cacheA.evictKey('key-1');
    expect(await eventually(() => b.received.length === 1)).toBe(true);
    cacheB.set('hash-1', cachedKey('key-1', 'user-1'));
    expect(cacheB.get('hash-1', Date.now())).toBeNull();
    // The next lookup, which reads after the revocation, is cached as usual.
    cacheB.set('hash-1', cachedKey('key-1', 'user-1'));
    expect(cacheB.get('hash-1', Date.now())).not.toBeNull();
  });

  it('counts rate limits of two replicas in one window and reports ok', async () => {
    const a = await replica();
    const b = await replica();
    expect(a.shared.status()).toBe('ok');
    expect(await a.shared.rateLimit.hit('ip:198.51.100.9', 60_000)).toBe(1);
    expect(await b.shared.rateLimit.hit('ip:198.51.100.9', 60_000)).toBe(2);
    expect((await a.shared.rateLimit.check('ip:198.51.100.9', 2, 60_000)).blocked).toBe(true);
    expect(a.lines().filter((l) => l.redis === 'ok')).toHaveLength(1);
  });

  describe('losing Redis', () => {
    let cut: Awaited<ReturnType<typeof redisBehindProxy>> | undefined;
    afterEach(async () => {
      await cut?.proxy.close();
      cut = undefined;
    });

    it('falls back to local limits, logs the loss and the recovery once each, and resyncs caches on recovery', async () => {
      cut = await redisBehindProxy();
      const cutOff = await replica(cut.url);
      const other = await replica();
      const cacheCut = cutOff.shared.shareKeyCache(localCache());
      const cacheOther = other.shared.shareKeyCache(localCache());
      for (const cache of [cacheCut, cacheOther]) {
        cache.get('hash-1', Date.now());
        cache.set('hash-1', cachedKey('key-1', 'user-1'));
      }
      expect(cutOff.shared.status()).toBe('ok');

      await cut.proxy.cut();
      expect(await eventually(() => cutOff.shared.status() === 'degraded')).toBe(true);
      // Local limits: counted in this replica's memory, not in Redis.
      for (let i = 1; i <= 3; i++) expect(await cutOff.shared.rateLimit.hit('ip:192.0.2.44', 60_000)).toBe(i);
      expect((await cutOff.shared.rateLimit.check('ip:192.0.2.44', 3, 60_000)).blocked).toBe(true);
      expect((await other.shared.rateLimit.check('ip:192.0.2.44', 1, 60_000)).blocked).toBe(false);
      // Reconnection attempts go on meanwhile; they are not logged again.
      await new Promise((resolve) => setTimeout(resolve, 500));

      await cut.proxy.restore();
      expect(await eventually(() => cutOff.shared.status() === 'ok', 5000)).toBe(true);
      // Both replicas drop their cached keys: either may have missed the other's evictions.
      expect(await eventually(() => cacheOther.size === 0 && cacheCut.size === 0)).toBe(true);
      expect(await cutOff.shared.rateLimit.hit('ip:192.0.2.44', 60_000)).toBe(1);

      const transitions = cutOff.lines().filter((l) => l.redis !== undefined);
      expect(transitions.map((l) => [l.level, l.redis])).toEqual([
        [30, 'ok'],
        [40, 'degraded'],
        [30, 'ok'],
      ]);
    });

    it('starts degraded when Redis is unreachable at start, and shares state once it is reachable', async () => {
      cut = await redisBehindProxy();
      await cut.proxy.cut();
      const late = await replica(cut.url, 200);
      expect(late.shared.status()).toBe('degraded');
      expect(await late.shared.rateLimit.hit('ip:192.0.2.45', 60_000)).toBe(1);
      const warnings = late.lines().filter((l) => l.level === 40 && l.redis === 'degraded');
      expect(warnings).toHaveLength(1);

      await cut.proxy.restore();
      expect(await eventually(() => late.shared.status() === 'ok', 5000)).toBe(true);
      const other = await replica();
      expect(await late.shared.rateLimit.hit('ip:192.0.2.46', 60_000)).toBe(1);
      expect(await other.shared.rateLimit.hit('ip:192.0.2.46', 60_000)).toBe(2);
      // Subscribed once connected: events reach it.
      const cache = late.shared.shareKeyCache(localCache());
      cache.get('hash-9', Date.now());
      cache.set('hash-9', cachedKey('key-9', 'user-9'));
      other.shared.bus.publish({ type: 'evict-key', keyId: 'key-9' });
      expect(await eventually(() => cache.size === 0)).toBe(true);
    });
  });

  it('close is idempotent and leaves no connection behind', async () => {
    const { shared } = await replica();
    const name = `gatehouse:${shared.replicaId}`;
    const clients = async () => (await admin.client('LIST')) as string;
    expect(await clients()).toContain(name);
    await shared.close();
    await shared.close();
    expect(await eventually(async () => !(await clients()).includes(name))).toBe(true);
  });
});
