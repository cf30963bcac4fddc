import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MIGRATION_TABLE, type Kysely, type MigrationResult, Migrator, sql } from 'kysely';
import { MIGRATIONS } from './migrations/index.ts';

/** One migration and when it was applied (undefined: pending). */
export interface MigrationState {
  name: string;
  executedAt: Date | undefined;
  /** False for a migration the database records but this version does not have (a newer one applied it). */
  known: boolean;
}

/** The outcome of applying pending migrations. */
export interface MigrateOutcome {
  applied: string[];
  error?: Error;
}

function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

const ATTEMPTS = 8;

/**
 * Applies every pending migration, once, even when several processes start together.
 * PostgreSQL serialises migrators with Kysely's advisory lock, SQLite with a lock file (see
 * sqlite-locking-dialect.ts). A migrator that lost a race creating Kysely's own migration tables
 * retries and then finds the migrations applied. Returns the error of the last attempt instead of
 * throwing.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrateOutcome> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const { error, results } = await migrator(db).migrateToLatest();
    const applied = (results ?? [])
      .filter((r: MigrationResult) => r.status === 'Success')
      .map((r) => r.migrationName);
    if (error === undefined) return { applied };
    lastError = error instanceof Error ? error : new Error(String(error));
    // A database a newer version migrated is no race to retry; a database that fails here too is the
    // error already caught.
    const newer = await unknownApplied(db).catch(() => []);
    if (newer.length > 0) return { applied: [], error: newerDatabaseError(newer) };
    if (!isContention(lastError)) break;
    await sleep(50 * 2 ** attempt * (0.5 + Math.random()));
  }
  return { applied: [], error: lastError };
}

function isContention(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  // SQLite lock contention, PostgreSQL unique/duplicate races on the migration tables.
  return (
    code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '23505' || code === '42P07'
  );
}

/** Every known migration with its applied time, then those applied that this version does not know. */
export async function migrationStatus(db: Kysely<unknown>): Promise<MigrationState[]> {
  const migrations = await migrator(db).getMigrations();
  const known = migrations.map((m) => ({ name: m.name, executedAt: m.executedAt, known: true }));
  return [...known, ...(await unknownApplied(db))];
}

/** Migrations the database records as applied that this version does not have, by name. */
async function unknownApplied(db: Kysely<unknown>): Promise<MigrationState[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === DEFAULT_MIGRATION_TABLE)) return [];
  const rows = await sql<{ name: string; timestamp: string }>`select name, timestamp from ${sql.table(
    DEFAULT_MIGRATION_TABLE,
  )} order by name`.execute(db);
  return rows.rows
    .filter((row) => !Object.hasOwn(MIGRATIONS, row.name))
    .map((row) => ({ name: row.name, executedAt: new Date(row.timestamp), known: false }));
}

/** What an operator reads when a newer Gatehouse migrated the database (a rollback, say). */
function newerDatabaseError(newer: readonly MigrationState[]): Error {
  const names = newer.map((m) => m.name).join(', ');
  const verb = newer.length === 1 ? 'is' : 'are';
  return new Error(
    `the database was migrated by a newer version of Gatehouse (${names} ${verb} not known to this one): ` +
      'run that version, or restore a backup taken before the upgrade',
  );
}
