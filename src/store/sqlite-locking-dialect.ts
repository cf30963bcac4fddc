import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteAdapter, SqliteDialect, type SqliteDialectConfig } from 'kysely';

const LOCK_WAIT_MS = 60_000;

// Kysely's SQLite adapter takes no migration lock and runs migrations outside a transaction, so
// two processes starting together both see an empty migration table and both run the first
// migration. This adapter holds an exclusive SQLite lock on a sidecar file while migrating (the
// OS drops it if the holder dies, so a crash never leaves a stale lock) and runs each migration
// in a transaction, so a failed migration leaves nothing half-applied.
class LockingSqliteAdapter extends SqliteAdapter {
  readonly #lockPath: string | null;
  #lock: BetterSqlite3.Database | null = null;

  constructor(databasePath: string) {
    super();
    this.#lockPath = databasePath === ':memory:' ? null : `${databasePath}.migrate-lock`;
  }

  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(): Promise<void> {
    if (this.#lockPath === null) return;
    const lock = new BetterSqlite3(this.#lockPath);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        lock.exec('BEGIN EXCLUSIVE');
        this.#lock = lock;
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) {
          lock.close();
          throw error;
        }
        // Poll instead of busy_timeout, which would block this process's event loop.
        await sleep(25);
      }
    }
  }

  override async releaseMigrationLock(): Promise<void> {
    const lock = this.#lock;
    this.#lock = null;
    if (lock === null) return;
    lock.exec('ROLLBACK');
    lock.close();
  }
}

/** SQLite dialect whose migrations are serialised across processes and run in transactions. */
export class LockingSqliteDialect extends SqliteDialect {
  readonly #path: string;

  constructor(config: SqliteDialectConfig & { path: string }) {
    super(config);
    this.#path = config.path;
  }

  override createAdapter(): SqliteAdapter {
    return new LockingSqliteAdapter(this.#path);
  }
}
