// Frozen: this migration must keep producing the same schema. It imports nothing from the app.
import type { Kysely } from 'kysely';

// Where a user is defined: 'database' (the API, CLI, bootstrap) or 'file' (AUTH_USER_FILE, mirrored
// into this table so sessions, lockout and audit work the same for both).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('email_users')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('database'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_users').dropColumn('source').execute();
}
