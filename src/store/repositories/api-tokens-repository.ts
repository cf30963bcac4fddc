import type { Kysely, Selectable } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { ApiTokensTable, Database } from '../schema.ts';

/** An API key as stored: never the secret, only its hash and display prefix. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  tokenHash: string;
  /** The key's access scope as stored JSON (validated by the identity domain), or null: no narrowing. */
  scopes: unknown;
  admin: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** API keys. */
export interface ApiTokensRepository {
  create(token: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>): Promise<void>;
  findByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  findById(id: string): Promise<ApiTokenRecord | null>;
  /** Every key of a user, newest first, revoked ones included. */
  listForUser(userId: string): Promise<ApiTokenRecord[]>;
  /** Marks a key revoked; false if it does not exist or already was. */
  revoke(id: string, now: Date): Promise<boolean>;
  /** Writes last-used times collected since the last flush (one statement per key). */
  touch(lastUsed: ReadonlyMap<string, Date>): Promise<void>;
  /** Deletes keys that expired before `now`; returns them (for the audit trail). */
  deleteExpired(now: Date): Promise<ApiTokenRecord[]>;
}

/** The API key repository over a Kysely database. */
export function apiTokensRepository(db: Kysely<Database>, caps: DialectCapabilities): ApiTokensRepository {
  const toRecord = (row: Selectable<ApiTokensTable>): ApiTokenRecord => ({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    tokenHash: row.token_hash,
    scopes: row.scopes === null ? null : caps.fromJson(row.scopes),
    admin: caps.fromBoolean(row.admin),
    createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
    expiresAt: caps.fromTimestamp(row.expires_at),
    lastUsedAt: caps.fromTimestamp(row.last_used_at),
    revokedAt: caps.fromTimestamp(row.revoked_at),
  });
  const time = (date: Date | null) => (date ? caps.toTimestamp(date) : null);
  return {
    async create(token) {
      await db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          user_id: token.userId,
          name: token.name,
          prefix: token.prefix,
          token_hash: token.tokenHash,
          scopes: token.scopes === null ? null : caps.toJson(token.scopes),
          admin: caps.toBoolean(token.admin),
          created_at: caps.toTimestamp(token.createdAt),
          expires_at: time(token.expiresAt),
        })
        .execute();
    },
    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async findById(id) {
      const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toRecord);
    },
    async revoke(id, now) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: caps.toTimestamp(now) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async touch(lastUsed) {
      for (const [id, at] of lastUsed) {
        await db
          .updateTable('api_tokens')
          .set({ last_used_at: caps.toTimestamp(at) })
          .where('id', '=', id)
          .execute();
      }
    },
    async deleteExpired(now) {
      const rows = await db
        .deleteFrom('api_tokens')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<', caps.toTimestamp(now))
        .returningAll()
        .execute();
      return rows.map(toRecord);
    },
  };
}
