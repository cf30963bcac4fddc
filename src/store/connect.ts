import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type DialectCapabilities, POSTGRES_CAPABILITIES, SQLITE_CAPABILITIES } from './capabilities.ts';
import type { DatabaseTarget } from './database-url.ts';
import type { Database } from './schema.ts';
import { LockingSqliteDialect } from './sqlite-locking-dialect.ts';

/** Connection tuning shared by every store. */
export interface ConnectOptions {
  poolSize?: number;
  /** How long to wait for a PostgreSQL connection before failing. */
  connectTimeoutMs?: number;
  /** Called when an idle PostgreSQL connection breaks (the server went away); the pool recovers by itself. */
  onPoolError?: (error: Error) => void;
}

/** An open database handle and what its dialect can do. */
export interface Connection {
  db: Kysely<Database>;
  capabilities: DialectCapabilities;
}

function openSqlite(filename: string): Connection {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const database = new BetterSqlite3(filename);
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes in WAL mode.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return {
    db: new Kysely<Database>({ dialect: new LockingSqliteDialect({ database, path: filename }) }),
    capabilities: SQLITE_CAPABILITIES,
  };
}

function openPostgres(connectionString: string, options: ConnectOptions): Connection {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener, a broken idle connection (server restart) would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    capabilities: POSTGRES_CAPABILITIES,
  };
}

/** Opens a Kysely database for a parsed DATABASE_URL. Creates the SQLite file's folder if needed. */
export function connect(target: DatabaseTarget, options: ConnectOptions = {}): Connection {
  return target.dialect === 'sqlite'
    ? openSqlite(target.filename)
    : openPostgres(target.connectionString, options);
}
