// Frozen: this migration must keep producing the same schema. It imports nothing from the app.
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const timestamp = sql.raw(sqlite ? 'text' : 'timestamptz');
  const json = sql.raw(sqlite ? 'text' : 'jsonb');
  await db.schema
    .createTable('backends')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('config', json, (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .addColumn('updated_at', timestamp, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('backends').execute();
}
