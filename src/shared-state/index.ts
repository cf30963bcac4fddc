// The shared-state domain's public API: what replicas share through Redis (REDIS_URL).
export { type BroadcastBus, type SharedEventListener } from './broadcast-bus.ts';
export { type SharedEvent, type SharedEventType } from './events.ts';
export { REDIS_COMMAND_TIMEOUT_MS } from './redis-connection.ts';
export { type RedisState } from './redis-health.ts';
export { type SessionDirectory } from './session-directory.ts';
export { type ReloadsBackends } from './shared-backends.ts';
export {
  REDIS_STARTUP_WAIT_MS,
  type SharedState,
  type SharedStateOptions,
  startSharedState,
} from './shared-state.ts';
