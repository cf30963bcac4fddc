// Frozen: this migration must keep producing the same schema. It imports nothing from the app.
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const timestamp = sql.raw(sqlite ? 'text' : 'timestamptz');
  const json = sql.raw(sqlite ? 'text' : 'jsonb');
  // The OAuth authorization server's storage (oidc-provider models: Client, Grant, Session,
  // Interaction, AuthorizationCode, RefreshToken, …). `id` is SHA-256 of the model's id for the
  // models whose id is a bearer secret (codes, refresh tokens, sessions, interactions).
  await db.schema
    .createTable('oauth_models')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', json, (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('account_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('expires_at', timestamp)
    .addColumn('consumed_at', timestamp)
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .addPrimaryKeyConstraint('oauth_models_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oauth_models_grant_id').on('oauth_models').column('grant_id').execute();
  await db.schema.createIndex('oauth_models_uid').on('oauth_models').columns(['model', 'uid']).execute();
  await db.schema
    .createIndex('oauth_models_account')
    .on('oauth_models')
    .columns(['model', 'account_id'])
    .execute();
  await db.schema.createIndex('oauth_models_expires_at').on('oauth_models').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oauth_models').execute();
}
