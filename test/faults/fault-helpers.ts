import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/store/index.ts';
import { ERROR_CATALOGUE } from '../../src/errors/index.ts';

/** The platform admin every fault suite bootstraps. */
export const ADMIN = { email: 'admin@example.com', password: 'lantern copper meadow 4711' };

/** A line of a stack trace, or a source path with a line number: never in an answer. */
export const STACK_TRACE = /\bat .+:\d+:\d+|node:internal|\.ts:\d+/;

/** Settings every fault suite's server shares, on top of its database and `extra`. */
export function faultEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PLATFORM_ADMIN_EMAIL: ADMIN.email,
    PLATFORM_ADMIN_PASSWORD: ADMIN.password,
    // The traffic of these suites comes from one address: per-IP limits would stop it, not the fault.
    AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
    PASSWORD_RESET_RATE_LIMIT: '1000',
    FAILED_LOGIN_MIN_RESPONSE_MS: '0',
    ARGON2ID_MEMORY_COST: '8192',
    ARGON2ID_TIME_COST: '1',
    ...extra,
  };
}

/** `text` parsed as JSON, or null when it is empty or not JSON. */
export function parseJson(text: string | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** One HTTP answer, its body parsed when it is JSON, and how long it took. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown> | null;
  ms: number;
}

/**
 * A JSON request to `baseUrl`. Rejects when no answer comes within `timeoutMs` (a hang) or the
 * connection fails; resolves with whatever status the server answered.
 */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { bearer?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: parseJson(text) as Record<string, unknown> | null,
    ms: performance.now() - started,
  };
}

/** Logs the platform admin in and returns the access token; throws unless that succeeds. */
export async function adminToken(baseUrl: string): Promise<string> {
  const login = await send(baseUrl, 'POST', '/auth/email/login', { body: ADMIN });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
  return login.body!.access_token as string;
}

/**
 * Why `answer` is not a clean 5xx JSON error of the catalogue (`{error, message}` with the
 * catalogue's status and no stack trace), or null when it is one.
 */
export function notACleanServerError(answer: Answer): string | null {
  if (answer.status < 500) return `status ${answer.status}`;
  if (STACK_TRACE.test(answer.text)) return `stack trace in ${answer.text}`;
  const code = answer.body?.error;
  if (typeof code !== 'string' || !(code in ERROR_CATALOGUE)) return `not a catalogue error: ${answer.text}`;
  const entry = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE];
  if (entry.status !== answer.status) return `${code} answered with ${answer.status}`;
  if (answer.body?.message !== entry.message) return `unexpected message: ${answer.text}`;
  return null;
}

async function sqliteProblems(filename: string): Promise<string[]> {
  let database: BetterSqlite3.Database | undefined;
  try {
    database = new BetterSqlite3(filename, { readonly: true });
    const integrity = database.pragma('integrity_check') as { integrity_check: string }[];
    const foreignKeys = database.pragma('foreign_key_check') as Record<string, unknown>[];
    return [
      ...integrity.filter((row) => row.integrity_check !== 'ok').map((row) => row.integrity_check),
      ...foreignKeys.map((row) => `foreign key: ${JSON.stringify(row)}`),
    ];
  } catch (error) {
    // A file too damaged to check ("database disk image is malformed") is a finding, not a crash.
    return [`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`];
  } finally {
    database?.close();
  }
}

// Rows whose parent is gone: PostgreSQL enforces these foreign keys, so any row here means damage.
const ORPHANS = [
  'select count(*)::int as n from api_tokens t where not exists (select 1 from email_users u where u.id = t.user_id)',
  'select count(*)::int as n from password_reset_tokens t where not exists (select 1 from email_users u where u.id = t.user_id)',
];

async function postgresProblems(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const problems: string[] = [];
    const tables = await client.query<{ name: string }>(
      `select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and c.relkind = 'r'`,
    );
    const available = await client.query(`select 1 from pg_available_extensions where name = 'amcheck'`);
    if (available.rowCount === 0) {
      // Without amcheck (a server built without contrib), reading every row at least finds
      // unreadable pages.
      for (const { name } of tables.rows) await client.query(`select count(*) from ${name}`);
    } else {
      // B-tree indexes must match their tables' rows (so unique constraints hold), and the
      // tables' pages must be readable and consistent.
      await client.query('create extension if not exists amcheck');
      const indexes = await client.query<{ name: string }>(
        `select c.oid::regclass::text as name from pg_index i
           join pg_class c on c.oid = i.indexrelid
           join pg_am a on a.oid = c.relam
           join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = current_schema() and a.amname = 'btree'`,
      );
      for (const { name } of indexes.rows) {
        await client.query('select bt_index_check($1::regclass, true)', [name]).catch((error: Error) => {
          problems.push(`index ${name}: ${error.message}`);
        });
      }
      for (const { name } of tables.rows) {
        const damaged = await client.query('select * from verify_heapam($1::regclass)', [name]);
        for (const row of damaged.rows) problems.push(`table ${name}: ${JSON.stringify(row)}`);
      }
    }
    for (const text of ORPHANS) {
      const { n } = (await client.query<{ n: number }>(text)).rows[0]!;
      if (n > 0) problems.push(`${n} orphans: ${text}`);
    }
    return problems;
  } finally {
    await client.end();
  }
}

/**
 * What the database's own checks find wrong, empty when nothing: SQLite's integrity_check and
 * foreign_key_check; on PostgreSQL amcheck on every B-tree index and table (a full read of every
 * table where amcheck is not available), and orphan rows.
 */
export async function integrityProblems(databaseUrl: string): Promise<string[]> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target === null) throw new TypeError(`not a database URL: ${databaseUrl}`);
  return target.dialect === 'sqlite'
    ? sqliteProblems(target.filename)
    : postgresProblems(target.connectionString);
}
