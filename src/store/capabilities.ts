import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/**
 * What differs between the SQL dialects, in one place. Repositories convert values through these
 * functions instead of asking which database they run on.
 */
export interface DialectCapabilities {
  readonly dialect: 'sqlite' | 'postgres';
  /** A Date as the driver should bind it. */
  toTimestamp(date: Date): Date | string;
  /** A stored timestamp as a Date; null for null. */
  fromTimestamp(value: unknown): Date | null;
  /** A boolean as the driver should bind it (SQLite binds 0/1). */
  toBoolean(value: boolean): boolean | number;
  /** A stored boolean (SQLite keeps 0/1). */
  fromBoolean(value: unknown): boolean;
  /**
   * Inside a transaction, blocks other transactions that would change which users are active
   * admins until this one ends, so "never remove the last admin" holds under concurrency.
   */
  lockAdmins(db: Kysely<Database>): Promise<void>;
  /** A JSON value as the driver should bind it. */
  toJson(value: unknown): string;
  /** A stored JSON value, parsed. */
  fromJson(value: unknown): unknown;
}

function parseJsonText(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

// SQLite has no timestamp type. Gatehouse writes UTC as 'YYYY-MM-DD HH:MM:SS.SSS', the format of
// CURRENT_TIMESTAMP plus milliseconds, so break-glass SQL that writes CURRENT_TIMESTAMP sorts and
// parses the same as values Gatehouse writes.
function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function parseSqliteTimestamp(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
    ? `${text.replace(' ', 'T')}Z`
    : text;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export const SQLITE_CAPABILITIES: DialectCapabilities = Object.freeze({
  dialect: 'sqlite',
  toTimestamp: sqliteTimestamp,
  fromTimestamp: parseSqliteTimestamp,
  toBoolean: (value: boolean) => (value ? 1 : 0),
  // SQLite has one writer: a write as the first statement takes the database write lock now,
  // rather than failing later when a read transaction tries to upgrade.
  lockAdmins: async (db: Kysely<Database>) => {
    await sql`update email_users set id = id where 1 = 0`.execute(db);
  },
  fromBoolean: (value: unknown) => value === 1 || value === true || value === '1',
  toJson: (value: unknown) => JSON.stringify(value),
  fromJson: parseJsonText,
});

// jsonb cannot hold U+0000 (in strings or keys): store U+FFFD instead, rather than lose the row (or
// a whole batch of audit events) to "unsupported Unicode escape sequence".
const NUL = new RegExp(String.fromCharCode(0), 'g');
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NUL, '\uFFFD');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    const copy = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) copy[key.replace(NUL, '\uFFFD')] = withoutNul(item);
    return copy;
  }
  return value;
}
function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && text.includes('\\u0000') ? JSON.stringify(withoutNul(JSON.parse(text))) : text;
}

export const POSTGRES_CAPABILITIES: DialectCapabilities = Object.freeze({
  dialect: 'postgres',
  toTimestamp: (date: Date) => date,
  fromTimestamp: (value: unknown) =>
    value === null || value === undefined ? null : new Date(value as string),
  toBoolean: (value: boolean) => value,
  // Row locks on every active admin: a concurrent transaction waits, then re-reads the rows
  // (READ COMMITTED) and sees the first one's change.
  lockAdmins: async (db: Kysely<Database>) => {
    await sql`select id from email_users where is_admin = true and is_active = true order by id for update`.execute(
      db,
    );
  },
  fromBoolean: (value: unknown) => value === true,
  toJson: jsonbText,
  fromJson: parseJsonText,
});

/** True when `error` is a unique or primary-key violation, as PostgreSQL (23505) or SQLite reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
