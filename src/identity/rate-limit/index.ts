export { createFailoverRateLimitStore, type FailoverRateLimitStoreOptions } from './failover-store.ts';
export {
  createMemoryRateLimitStore,
  DEFAULT_MAX_KEYS,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
  SWEEP_INTERVAL_MS,
} from './memory-store.ts';
export { createRedisRateLimitStore, type RedisRateLimitStoreOptions } from './redis-store.ts';
export { assertRateLimitArguments, type RateLimitStatus, type RateLimitStore } from './store.ts';
