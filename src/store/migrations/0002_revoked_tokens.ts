// Frozen: this migration must keep producing the same schema. It imports nothing from the app.
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const timestamp = db.getExecutor().adapter instanceof SqliteAdapter ? 'text' : 'timestamptz';
  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text')
    .addColumn('expires_at', sql.raw(timestamp), (c) => c.notNull())
    .addColumn('revoked_at', sql.raw(timestamp), (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .execute();
  await db.schema
    .createIndex('revoked_tokens_expires_at_idx')
    .on('revoked_tokens')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revoked_tokens').execute();
}
