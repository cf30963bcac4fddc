import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { decodeEvent, encodeEvent, type SharedEvent } from './events.ts';

/** Hears the events other replicas publish. */
export type SharedEventListener = (event: SharedEvent) => void;

/**
 * Cache-invalidation events between replicas over one Redis pub/sub channel. Delivery is at most
 * once and only to replicas connected at the time: a replica that was cut off resyncs instead (see
 * SharedState).
 */
export interface BroadcastBus {
  /** This replica's id on the channel; its own events are not delivered back to it. */
  readonly replicaId: string;
  /** Sends `event` to every other replica. Never throws: a failure goes to `onPublishFailure`. */
  publish(event: SharedEvent): void;
  /** Calls `listener` with each event from another replica; returns unsubscribe. */
  subscribe(listener: SharedEventListener): () => void;
  /** Hands `event` to this replica's own listeners, as if another replica had sent it. */
  deliverLocally(event: SharedEvent): void;
  /** Subscribes to the channel; rejects when Redis does not answer. */
  start(): Promise<void>;
}

/** Options for `createBroadcastBus`. */
export interface BroadcastBusOptions {
  /** A client for PUBLISH. */
  publisher: Redis;
  /** A client of its own for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber: Redis;
  channel: string;
  logger: FastifyBaseLogger;
  onPublishFailure?: (error: Error) => void;
  onPublishSuccess?: () => void;
  /** Defaults to a random UUID. */
  replicaId?: string;
}

/** A bus on `options.channel`. Malformed messages on the channel are ignored (logged at debug). */
export function createBroadcastBus(options: BroadcastBusOptions): BroadcastBus {
  const { publisher, subscriber, channel, logger } = options;
  const replicaId = options.replicaId ?? randomUUID();
  const listeners = new Set<SharedEventListener>();

  const deliver = (event: SharedEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error(
          { err: { message: (error as Error).message }, event: event.type },
          'shared event failed',
        );
      }
    }
  };

  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const decoded = decodeEvent(message);
    if (decoded === null) {
      logger.debug({ channel }, 'ignored a malformed message on the shared-state channel');
      return;
    }
    if (decoded.from !== replicaId) deliver(decoded.event);
  });

  return {
    replicaId,
    publish(event) {
      publisher.publish(channel, encodeEvent(replicaId, event)).then(
        () => options.onPublishSuccess?.(),
        (error: Error) => {
          logger.debug({ err: { message: error.message }, event: event.type }, 'shared event not published');
          options.onPublishFailure?.(error);
        },
      );
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    deliverLocally: deliver,
    async start() {
      await subscriber.subscribe(channel);
    },
  };
}
