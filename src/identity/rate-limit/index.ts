export {
  createMemoryRateLimitStore,
  DEFAULT_MAX_KEYS,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
  SWEEP_INTERVAL_MS,
} from './memory-store.ts';
export { type RateLimitStatus, type RateLimitStore } from './store.ts';
