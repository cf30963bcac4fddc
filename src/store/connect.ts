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
  const report = (error: Error) => options.onPoolError?.(error);
  // pg emits 'error' on a client whose connection ends, even while a query is running on it and
  // the pool has lent it out (no pool listener then). Unheard, that event crashes the process, so
  // every client gets a listener for life; the failed query still rejects, and the pool drops the
  // broken client when it is released.
  pool.on('connect', (client) => client.on('error', report));
  pool.on('error', report);
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
