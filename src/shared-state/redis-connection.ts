import { Redis } from 'ioredis';

/** How long one Redis command may take before it fails and the replica falls back to local state. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * An ioredis client for `url` (redis:// or rediss://) that never queues: while disconnected,
 * commands fail at once (and after REDIS_COMMAND_TIMEOUT_MS on a connection that hangs) instead of
 * stalling requests, and the client reconnects by itself, forever, at most 2 s apart. It connects
 * on `connect()`. `name` shows in Redis's CLIENT LIST.
 */
export function openRedis(url: string, name: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
  });
}
