import type { Kysely, Selectable } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database, OAuthModelsTable } from '../schema.ts';

/** One stored object of the OAuth authorization server (an oidc-provider model instance). */
export interface OAuthRecord {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  accountId: string | null;
  clientId: string | null;
  expiresAt: Date | null;
  consumedAt: Date | null;
  createdAt: Date;
}

export type OAuthRecordInput = Omit<OAuthRecord, 'consumedAt' | 'createdAt'>;

/** Storage of the OAuth authorization server; the oauth domain decides what ids and payloads are. */
export interface OAuthRepository {
  /** Inserts or replaces a record (model + id). */
  upsert(record: OAuthRecordInput, now: Date): Promise<void>;
  find(model: string, id: string): Promise<OAuthRecord | null>;
  /** The record of `model` whose `uid` or `user_code` column is `value`. */
  findBy(model: string, column: 'uid' | 'user_code', value: string): Promise<OAuthRecord | null>;
  /** Marks a record consumed (single-use codes, rotated refresh tokens). */
  consume(model: string, id: string, now: Date): Promise<void>;
  destroy(model: string, id: string): Promise<void>;
  /** Deletes every record that belongs to a grant (and the grant itself); returns how many. */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Deletes every record issued to a client (grants, tokens, sessions' links); returns how many. */
  deleteByClientId(clientId: string): Promise<number>;
  /** Deletes every grant of an account and everything those grants issued; returns how many. */
  deleteByAccountId(accountId: string): Promise<number>;
  /** Records of a model, newest first, optionally only one account's or one client's. */
  list(model: string, filter?: { accountId?: string; clientId?: string }): Promise<OAuthRecord[]>;
  /** Deletes records whose expiry has passed; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

/** The OAuth repository over a Kysely database. */
export function oauthRepository(db: Kysely<Database>, caps: DialectCapabilities): OAuthRepository {
  const toRecord = (row: Selectable<OAuthModelsTable>): OAuthRecord => ({
    model: row.model,
    id: row.id,
    payload: caps.fromJson(row.payload) as Record<string, unknown>,
    grantId: row.grant_id,
    uid: row.uid,
    userCode: row.user_code,
    accountId: row.account_id,
    clientId: row.client_id,
    expiresAt: caps.fromTimestamp(row.expires_at),
    consumedAt: caps.fromTimestamp(row.consumed_at),
    createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
  });
  const stamp = (date: Date | null) => (date === null ? null : caps.toTimestamp(date));
  return {
    async upsert(record, now) {
      const values = {
        payload: caps.toJson(record.payload),
        grant_id: record.grantId,
        uid: record.uid,
        user_code: record.userCode,
        account_id: record.accountId,
        client_id: record.clientId,
        expires_at: stamp(record.expiresAt),
      };
      await db
        .insertInto('oauth_models')
        .values({ model: record.model, id: record.id, created_at: caps.toTimestamp(now), ...values })
        .onConflict((conflict) => conflict.columns(['model', 'id']).doUpdateSet(values))
        .execute();
    },
    async find(model, id) {
      const row = await db
        .selectFrom('oauth_models')
        .selectAll()
        .where('model', '=', model)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async findBy(model, column, value) {
      const row = await db
        .selectFrom('oauth_models')
        .selectAll()
        .where('model', '=', model)
        .where(column, '=', value)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async consume(model, id, now) {
      await db
        .updateTable('oauth_models')
        .set({ consumed_at: caps.toTimestamp(now) })
        .where('model', '=', model)
        .where('id', '=', id)
        .execute();
    },
    async destroy(model, id) {
      await db.deleteFrom('oauth_models').where('model', '=', model).where('id', '=', id).execute();
    },
    async revokeByGrantId(grantId) {
      const result = await db
        .deleteFrom('oauth_models')
        .where((eb) =>
          eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteByClientId(clientId) {
      const grants = db
        .selectFrom('oauth_models')
        .select('id')
        .where('model', '=', 'Grant')
        .where('client_id', '=', clientId);
      const result = await db
        .deleteFrom('oauth_models')
        .where((eb) => eb.or([eb('client_id', '=', clientId), eb('grant_id', 'in', grants)]))
        .where('model', '!=', 'Client')
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteByAccountId(accountId) {
      const grants = db
        .selectFrom('oauth_models')
        .select('id')
        .where('model', '=', 'Grant')
        .where('account_id', '=', accountId);
      const result = await db
        .deleteFrom('oauth_models')
        .where((eb) =>
          eb.or([
            eb('grant_id', 'in', grants),
            eb.and([eb('model', 'in', ['Grant', 'Session']), eb('account_id', '=', accountId)]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async list(model, filter = {}) {
      let query = db.selectFrom('oauth_models').selectAll().where('model', '=', model);
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
      return (await query.orderBy('created_at', 'desc').execute()).map(toRecord);
    },
    async deleteExpired(now) {
      const result = await db
        .deleteFrom('oauth_models')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<', caps.toTimestamp(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
