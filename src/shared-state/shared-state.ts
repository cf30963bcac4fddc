import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { KeyCache } from '../identity/keys/key-cache.ts';
import {
  createFailoverRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from '../identity/rate-limit/index.ts';
import { type BroadcastBus, createBroadcastBus } from './broadcast-bus.ts';
import { openRedis } from './redis-connection.ts';
import { type RedisState, watchRedisHealth } from './redis-health.ts';
import { createSessionDirectory, type SessionDirectory } from './session-directory.ts';
import { type ReloadsBackends, shareBackendReloads } from './shared-backends.ts';
import { shareKeyCache } from './shared-key-cache.ts';

/** How long start-up waits for Redis before serving degraded (it keeps reconnecting afterwards). */
export const REDIS_STARTUP_WAIT_MS = 3000;

/** What replicas share through Redis (REDIS_URL), and how this replica falls back without it. */
export interface SharedState {
  /** This replica's id on the event channel. */
  readonly replicaId: string;
  /** Rate-limit counters in Redis; this replica's memory while Redis is unreachable. */
  readonly rateLimit: RateLimitStore;
  /** The event bus between replicas. */
  readonly bus: BroadcastBus;
  /** 'ok' while Redis is reachable, 'degraded' while this replica runs on local state. */
  status(): RedisState;
  /** Wraps this replica's key cache so evictions reach every replica (see shareKeyCache). */
  shareKeyCache(local: KeyCache): KeyCache;
  /** Makes the gateway's backend reloads reach every replica (see shareBackendReloads). */
  shareBackendReloads(gateway: ReloadsBackends): void;
  /**
   * Where every replica's MCP sessions are held (see createSessionDirectory). `secret` must be the
   * same on every replica; `sessionIdleMs` is MCP_SESSION_IDLE_MINUTES. Closed with the shared state.
   */
  openSessionDirectory(options: {
    replicaUrl: string;
    secret: string | Buffer;
    sessionIdleMs: number;
  }): SessionDirectory;
  /** Disconnects from Redis; idempotent. */
  close(): Promise<void>;
}

/** Options for `startSharedState`. */
export interface SharedStateOptions {
  url: string;
  /** Prefix of every key and of the channel (REDIS_KEY_PREFIX). */
  prefix: string;
  logger: FastifyBaseLogger;
  /** How long to wait for Redis at start; default REDIS_STARTUP_WAIT_MS. */
  startupWaitMs?: number;
}

async function waitUntil(ready: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([ready().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function connectUntilReady(client: ReturnType<typeof openRedis>): Promise<void> {
  // connect() rejects on the first failed attempt while the client keeps retrying; wait for 'ready'.
  client.connect().catch(() => {});
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/**
 * Connects to Redis and builds the shared state. Never fails because Redis is down: after waiting
 * up to `startupWaitMs` it serves degraded (logged) and keeps reconnecting. When a connection comes
 * back, this replica drops its cached keys and re-reads its backends (it may have missed events) and
 * tells the others to do the same (they may have missed its own).
 */
export async function startSharedState(options: SharedStateOptions): Promise<SharedState> {
  const { url, prefix, logger } = options;
  const replicaId = randomUUID();
  const commands = openRedis(url, `gatehouse:${replicaId}`);
  const subscriber = openRedis(url, `gatehouse:${replicaId}:events`);
  const health = watchRedisHealth([commands, subscriber], logger);
  const bus = createBroadcastBus({
    publisher: commands,
    subscriber,
    channel: `${prefix}events`,
    logger,
    replicaId,
    onPublishFailure: (error) => health.noteFailure(error),
    onPublishSuccess: () => health.noteSuccess(),
  });
  const rateLimit = createFailoverRateLimitStore({
    primary: createRedisRateLimitStore({ redis: commands, prefix }),
    fallback: createMemoryRateLimitStore(),
    available: () => commands.status === 'ready',
    onFailure: (error) => health.noteFailure(error),
    onSuccess: () => health.noteSuccess(),
  });

  // Subscribing again on reconnect is ioredis's job (autoResubscribe); the first time is ours.
  subscriber.once('ready', () => {
    bus.start().catch((error: Error) => health.noteFailure(error));
  });
  await waitUntil(
    () => Promise.all([connectUntilReady(commands), connectUntilReady(subscriber)]),
    options.startupWaitMs ?? REDIS_STARTUP_WAIT_MS,
  );
  health.onRecovered(() => {
    bus.deliverLocally({ type: 'resync' });
    bus.publish({ type: 'resync' });
  });
  health.begin();
  const directories: SessionDirectory[] = [];

  let closing: Promise<void> | undefined;
  return {
    replicaId,
    rateLimit,
    bus,
    status: () => health.state,
    shareKeyCache: (local) => shareKeyCache(local, bus),
    shareBackendReloads: (gateway) => shareBackendReloads(gateway, bus),
    openSessionDirectory({ replicaUrl, secret, sessionIdleMs }) {
      const directory = createSessionDirectory({
        redis: commands,
        prefix,
        replicaUrl,
        secret,
        // A minute of slack, so a record never expires before the session it names.
        ttlMs: sessionIdleMs + 60_000,
        logger,
      });
      directories.push(directory);
      return directory;
    },
    close() {
      closing ??= (async () => {
        for (const directory of directories) directory.close();
        health.close();
        await Promise.all(
          [commands, subscriber].map((client) => client.quit().catch(() => client.disconnect())),
        );
      })();
      return closing;
    },
  };
}
