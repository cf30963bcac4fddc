import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** Whether this replica currently shares state through Redis ('ok') or runs on local state ('degraded'). */
export type RedisState = 'ok' | 'degraded';

/** Watches this replica's Redis connections and logs each change of state once. */
export interface RedisHealth {
  readonly state: RedisState;
  /** A command failed (timeout, refused): degraded until a command succeeds or a connection is ready again. */
  noteFailure(error: Error): void;
  /** A command succeeded. */
  noteSuccess(): void;
  /** Calls `listener` each time the state goes from degraded back to ok. */
  onRecovered(listener: () => void): void;
  /** Starts reporting: logs the state reached at start-up (warn when degraded), then every change. */
  begin(): void;
  /** Stops reporting (call before quitting the clients, so shutting down is not logged as a loss). */
  close(): void;
}

const CLOSING_EVENTS = ['close', 'end', 'reconnecting'] as const;

/**
 * Health of `clients`: ok while every one is connected and the last command did not fail. Logs a warning
 * when Redis is lost and an info line when it is back, once per transition however often the clients
 * retry meanwhile; connection errors are logged at debug only.
 */
export function watchRedisHealth(clients: readonly Redis[], logger: FastifyBaseLogger): RedisHealth {
  let state: RedisState = 'degraded';
  let begun = false;
  let failing = false;
  let lastError = 'not connected yet';
  const recovered = new Set<() => void>();

  const computed = (): RedisState =>
    !failing && clients.every((client) => client.status === 'ready') ? 'ok' : 'degraded';

  const evaluate = () => {
    const next = computed();
    if (!begun || next === state) return;
    state = next;
    if (next === 'ok') {
      logger.info({ redis: 'ok' }, 'Redis reachable again: rate limits and revocations are shared again');
      for (const listener of recovered) listener();
    } else {
      logger.warn(
        { redis: 'degraded', err: { message: lastError } },
        'Redis unreachable: serving with this replica’s own rate limits; revocations reach other replicas within API_KEY_CACHE_TTL_SECONDS',
      );
    }
  };

  const onError = (error: Error) => {
    lastError = error.message;
    logger.debug({ err: { message: error.message } }, 'Redis connection error');
  };
  const onReady = () => {
    failing = false;
    evaluate();
  };
  for (const client of clients) {
    client.on('error', onError);
    client.on('ready', onReady);
    for (const event of CLOSING_EVENTS) client.on(event, evaluate);
  }

  return {
    get state() {
      return begun ? state : computed();
    },
    noteFailure(error) {
      lastError = error.message;
      failing = true;
      evaluate();
    },
    noteSuccess() {
      if (!failing) return;
      failing = false;
      evaluate();
    },
    onRecovered(listener) {
      recovered.add(listener);
    },
    begin() {
      begun = true;
      state = computed();
      if (state === 'ok')
        logger.info({ redis: 'ok' }, 'Redis connected: rate limits and revocations are shared');
      else
        logger.warn(
          { redis: 'degraded', err: { message: lastError } },
          'Redis unreachable at start: serving with this replica’s own rate limits until it is reachable',
        );
    },
    close() {
      // Listeners stay: the clients are quitting, and an error without a listener would be printed.
      begun = false;
      recovered.clear();
    },
  };
}
