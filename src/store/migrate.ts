import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, type MigrationResult, Migrator } from 'kysely';
import { MIGRATIONS } from './migrations/index.ts';

/** One migration and when it was applied (undefined: pending). */
export interface MigrationState {
  name: string;
  executedAt: Date | undefined;
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

/** Every known migration with its applied time. */
export async function migrationStatus(db: Kysely<unknown>): Promise<MigrationState[]> {
  const migrations = await migrator(db).getMigrations();
  return migrations.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
