import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database } from '../schema.ts';

/** A stored reset token (never the token itself: only its SHA-256). */
export interface PasswordResetRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

/** Password reset tokens. */
export interface PasswordResetRepository {
  /** Stores a new token after marking every outstanding token of the user used. */
  createReplacingOutstanding(
    token: {
      id: string;
      userId: string;
      tokenHash: string;
      expiresAt: Date;
      ipAddress: string | null;
      userAgent: string | null;
    },
    now: Date,
  ): Promise<void>;
  /** The unused, unexpired token with this hash, or null. */
  findUsable(tokenHash: string, now: Date): Promise<PasswordResetRecord | null>;
  /** Marks the token used if it still is usable; false when another request used it first. */
  consume(id: string, now: Date): Promise<boolean>;
  /** Marks every token of the user used. */
  markAllUsed(userId: string, now: Date): Promise<void>;
}

/** The reset-token repository over a Kysely database. */
export function passwordResetRepository(
  db: Kysely<Database>,
  caps: DialectCapabilities,
): PasswordResetRepository {
  return {
    async createReplacingOutstanding(token, now) {
      const at = caps.toTimestamp(now);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('password_reset_tokens')
          .set({ used_at: at })
          .where('user_id', '=', token.userId)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('password_reset_tokens')
          .values({
            id: token.id,
            user_id: token.userId,
            token_hash: token.tokenHash,
            expires_at: caps.toTimestamp(token.expiresAt),
            created_at: at,
            ip_address: token.ipAddress,
            user_agent: token.userAgent?.slice(0, 512) ?? null,
          })
          .execute();
      });
    },
    async findUsable(tokenHash, now) {
      const row = await db
        .selectFrom('password_reset_tokens')
        .select(['id', 'user_id', 'expires_at', 'used_at', 'created_at'])
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', caps.toTimestamp(now))
        .executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        userId: row.user_id,
        expiresAt: caps.fromTimestamp(row.expires_at) ?? new Date(0),
        usedAt: caps.fromTimestamp(row.used_at),
        createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
      };
    },
    async consume(id, now) {
      const result = await db
        .updateTable('password_reset_tokens')
        .set({ used_at: caps.toTimestamp(now) })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markAllUsed(userId, now) {
      await db
        .updateTable('password_reset_tokens')
        .set({ used_at: caps.toTimestamp(now) })
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .execute();
    },
  };
}
