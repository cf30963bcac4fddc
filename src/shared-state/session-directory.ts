import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * Which replica holds each open MCP session (Streamable HTTP 2025 sessions and legacy SSE
 * streams), so a request that lands on another replica can be forwarded to the one that holds it.
 */
export interface SessionDirectory {
  /** The address other replicas reach this one at (REPLICA_URL). */
  readonly replicaUrl: string;
  /** Records that this replica holds session `id`. Never throws; kept fresh until `release`. */
  claim(id: string): void;
  /** Forgets session `id` (closed here). Never throws. */
  release(id: string): void;
  /**
   * The address of the other replica that holds `id`; undefined when no replica does, when this one
   * does, when the record was not written by a replica (bad signature) or Redis does not answer.
   */
  ownerOf(id: string): Promise<string | undefined>;
  /** Removes the record of `id` if it still names `owner` (a replica found gone). Never throws. */
  forget(id: string, owner: string): void;
  /** Stops refreshing; the records of sessions still held expire on their own. */
  close(): void;
}

/** Options for `createSessionDirectory`. */
export interface SessionDirectoryOptions {
  redis: Redis;
  /** REDIS_KEY_PREFIX. */
  prefix: string;
  replicaUrl: string;
  /** Signs each record, so only a replica (which knows it) can point requests somewhere. */
  secret: string | Buffer;
  /** How long a record outlives its last refresh; at least the session idle timeout. */
  ttlMs: number;
  logger: FastifyBaseLogger;
}

/** HMAC of a record: binds the session id to the address, so records cannot be swapped either. */
function signature(secret: string | Buffer, id: string, url: string): string {
  return createHmac('sha256', secret).update(`mcp-session\n${id}\n${url}`).digest('base64url');
}

/** The address in a record when its signature holds; null otherwise. */
export function verifiedOwner(secret: string | Buffer, id: string, record: string | null): string | null {
  if (record === null) return null;
  const space = record.lastIndexOf(' ');
  if (space <= 0) return null;
  const url = record.slice(0, space);
  const given = Buffer.from(record.slice(space + 1));
  const expected = Buffer.from(signature(secret, id, url));
  return given.length === expected.length && timingSafeEqual(given, expected) ? url : null;
}

/**
 * A session directory in Redis: `<prefix>mcp-session:<id>` → `<replica url> <hmac>`, expiring
 * `ttlMs` after its last refresh. The records of the sessions this replica holds are rewritten every
 * third of `ttlMs` (at most every 30 s), which also restores them after a Redis outage; a replica
 * that dies leaves records that expire, and a forwarder that finds the address dead forgets them.
 * While Redis is unreachable, sessions are served only by the replica that holds them.
 */
export function createSessionDirectory(options: SessionDirectoryOptions): SessionDirectory {
  const { redis, prefix, replicaUrl, ttlMs, logger } = options;
  // A key of its own, so a record's signature is worth nothing anywhere else the secret is used.
  const secret = Buffer.from(hkdfSync('sha256', options.secret, 'gatehouse', 'mcp-session-directory', 32));
  const held = new Set<string>();
  const keyOf = (id: string) => `${prefix}mcp-session:${id}`;
  const record = (id: string) => `${replicaUrl} ${signature(secret, id, replicaUrl)}`;
  const failed = (what: string) => (error: Error) =>
    logger.debug({ err: { message: error.message } }, `session directory: ${what} failed`);
  const write = (ids: Iterable<string>) => {
    if (redis.status !== 'ready') return;
    const batch = redis.pipeline();
    for (const id of ids) batch.set(keyOf(id), record(id), 'PX', ttlMs);
    batch.exec().catch(failed('refresh'));
  };
  const refresher = setInterval(() => write(held), Math.min(Math.floor(ttlMs / 3), 30_000));
  refresher.unref();

  return {
    replicaUrl,
    claim(id) {
      held.add(id);
      write([id]);
    },
    release(id) {
      if (!held.delete(id) || redis.status !== 'ready') return;
      redis.del(keyOf(id)).catch(failed('release'));
    },
    async ownerOf(id) {
      if (held.has(id) || redis.status !== 'ready') return undefined;
      let stored: string | null;
      try {
        stored = await redis.get(keyOf(id));
      } catch (error) {
        failed('lookup')(error as Error);
        return undefined;
      }
      const owner = verifiedOwner(secret, id, stored);
      if (stored !== null && owner === null)
        logger.warn(
          { security_event: 'session_record_forged' },
          'session directory: record with a bad signature ignored',
        );
      return owner === null || owner === replicaUrl ? undefined : owner;
    },
    forget(id, owner) {
      if (redis.status !== 'ready') return;
      // Only if it still names the dead owner: the session id may have been claimed again since.
      redis
        .eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
          1,
          keyOf(id),
          `${owner} ${signature(secret, id, owner)}`,
        )
        .catch(failed('forget'));
    },
    close() {
      clearInterval(refresher);
    },
  };
}
