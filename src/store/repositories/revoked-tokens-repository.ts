import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database } from '../schema.ts';

/** Access-token ids revoked before they expire (logout). */
export interface RevokedTokensRepository {
  /** Records `jti` as revoked until `expiresAt`; revoking twice is harmless. */
  revoke(jti: string, userId: string | null, expiresAt: Date): Promise<void>;
  /** True if `jti` was revoked. */
  isRevoked(jti: string): Promise<boolean>;
  /** Forgets revocations of tokens that have expired anyway; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

/** The revoked-token repository over a Kysely database. */
export function revokedTokensRepository(
  db: Kysely<Database>,
  caps: DialectCapabilities,
): RevokedTokensRepository {
  return {
    async revoke(jti, userId, expiresAt) {
      await db
        .insertInto('revoked_tokens')
        .values({
          jti,
          user_id: userId,
          expires_at: caps.toTimestamp(expiresAt),
          revoked_at: caps.toTimestamp(new Date()),
        })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async isRevoked(jti) {
      const row = await db
        .selectFrom('revoked_tokens')
        .select('jti')
        .where('jti', '=', jti)
        .executeTakeFirst();
      return row !== undefined;
    },
    async purgeExpired(now) {
      const result = await db
        .deleteFrom('revoked_tokens')
        .where('expires_at', '<', caps.toTimestamp(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
