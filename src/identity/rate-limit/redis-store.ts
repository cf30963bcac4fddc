import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { assertRateLimitArguments, type RateLimitStatus, type RateLimitStore } from './store.ts';

/** Options for `createRedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** A connected ioredis client; the store never closes it. */
  redis: Redis;
  /** Put in front of every key, e.g. `gatehouse:`. */
  prefix: string;
  /**
   * The clock, in epoch milliseconds. Unset (production): Redis's own clock, so every replica
   * agrees on when a window started and ends whatever its host's clock says.
   */
  now?: () => number;
}

// A window is a hash {c: count, s: started at, e: ends at} (epoch ms); PEXPIRE only collects it.
// ARGV[#] is the caller's clock, or empty to read Redis's.
const CLOCK = `
local now = tonumber(ARGV[#ARGV])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

// KEYS[1] key; ARGV: windowMs, now. Returns the count in the open window.
const HIT = `${CLOCK}
local window = tonumber(ARGV[1])
local endsAt = tonumber(redis.call('HGET', KEYS[1], 'e'))
if endsAt ~= nil and endsAt > now then
  return redis.call('HINCRBY', KEYS[1], 'c', 1)
end
redis.call('HSET', KEYS[1], 'c', 1, 's', string.format('%d', now), 'e', string.format('%d', now + window))
redis.call('PEXPIRE', KEYS[1], window)
return 1`;

// KEYS[1] key; ARGV: limit, windowMs, now. Returns 0 when not blocked, else the milliseconds left.
const CHECK = `${CLOCK}
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'c', 's', 'e')
local count, startedAt, endsAt = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
if count == nil or startedAt == nil or endsAt == nil then return 0 end
local ends = math.min(endsAt, startedAt + window)
if count < limit or ends <= now then return 0 end
return ends - now`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});
const HIT_SCRIPT = script(HIT);
const CHECK_SCRIPT = script(CHECK);

async function run(redis: Redis, { source, sha }: Script, key: string, args: string[]): Promise<number> {
  try {
    return Number(await redis.evalsha(sha, 1, key, ...args));
  } catch (error) {
    // A restarted or flushed Redis forgets cached scripts: send the source once, which caches it again.
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return Number(await redis.eval(source, 1, key, ...args));
  }
}

/**
 * Creates a rate-limit store in Redis, shared by every replica using the same Redis and prefix. Same
 * semantics as the memory store (fixed windows from the first failure, `check` cutting a window to
 * its `windowMs`); each operation is one Lua script, so concurrent hits from any number of replicas
 * count exactly. Redis failures reject (the caller decides what to fall back to); a limit or window
 * that is not a positive whole number is a TypeError.
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const { redis, prefix, now } = options;
  if (typeof prefix !== 'string') throw new TypeError('createRedisRateLimitStore: prefix must be a string');
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError('createRedisRateLimitStore: now must be a function');
  }
  const redisKey = (key: string) => `${prefix}rate-limit:${key}`;
  const clock = () => (now === undefined ? '' : String(Math.floor(now())));

  return {
    async check(key: string, limit: number, windowMs: number): Promise<RateLimitStatus> {
      assertRateLimitArguments(key, ['limit', limit], ['windowMs', windowMs]);
      const leftMs = await run(redis, CHECK_SCRIPT, redisKey(key), [
        String(limit),
        String(windowMs),
        clock(),
      ]);
      if (leftMs <= 0) return { blocked: false, retryAfterSeconds: 0 };
      return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(leftMs / 1000)) };
    },

    async hit(key: string, windowMs: number): Promise<number> {
      assertRateLimitArguments(key, ['windowMs', windowMs]);
      return run(redis, HIT_SCRIPT, redisKey(key), [String(windowMs), clock()]);
    },

    async reset(key: string): Promise<void> {
      assertRateLimitArguments(key);
      await redis.del(redisKey(key));
    },
  };
}
