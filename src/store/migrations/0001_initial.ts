// Frozen: this migration must keep producing the same schema. It imports nothing from the app.
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const timestamp = sqlite ? 'text' : 'timestamptz';
  const json = sqlite ? 'text' : 'jsonb';
  const now = sql`CURRENT_TIMESTAMP`;

  await db.schema
    .createTable('email_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('full_name', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('email_verified_at', sql.raw(timestamp))
    .addColumn('password_change_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('password_changed_at', sql.raw(timestamp))
    .addColumn('failed_login_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', sql.raw(timestamp))
    .addColumn('tokens_valid_after', sql.raw(timestamp))
    .addColumn('last_login', sql.raw(timestamp))
    .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', sql.raw(timestamp), (c) => c.notNull().defaultTo(now))
    .addColumn('allowed_mcps', sql.raw(json), (c) => c.notNull().defaultTo('[]'))
    .addColumn('blocked_mcps', sql.raw(json), (c) => c.notNull().defaultTo('[]'))
    .addColumn('tool_rules', sql.raw(json), (c) => c.notNull().defaultTo('[]'))
    .execute();

  await db.schema
    .createTable('auth_events')
    .addColumn('id', sqlite ? 'integer' : 'bigint', (c) =>
      sqlite ? c.primaryKey().autoIncrement() : c.primaryKey().generatedAlwaysAsIdentity(),
    )
    .addColumn('ts', sql.raw(timestamp), (c) => c.notNull().defaultTo(now))
    .addColumn('user_id', 'text')
    .addColumn('user_email', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('success', 'boolean', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', sql.raw(json))
    .execute();
  await db.schema.createIndex('auth_events_ts_idx').on('auth_events').columns(['ts', 'id']).execute();
  await db.schema
    .createIndex('auth_events_user_email_idx')
    .on('auth_events')
    .columns(['user_email', 'ts'])
    .execute();
  await db.schema
    .createIndex('auth_events_event_type_idx')
    .on('auth_events')
    .columns(['event_type', 'ts'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', sql.raw(timestamp), (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('auth_events').execute();
  await db.schema.dropTable('email_users').execute();
}
