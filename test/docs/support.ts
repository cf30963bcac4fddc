// What the doc tests need around a real Gatehouse: servers on a test database, the CLI with
// piped stdin, SQL run directly against the server's database, and small HTTP helpers.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { childEnv, GATEHOUSE_BIN, type RunResult } from '../helpers/cli.ts';
import type { TestDatabase, TestDialect } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/** The platform admin's password in the guide's curl login example. */
export const ADMIN_PASSWORD = 'Quiet-Harbor-Lantern-2041';
export const ADMIN_EMAIL = 'admin@example.com';
/** A second admin the tests observe with, so the guide's statements may change the platform admin. */
export const OPS_EMAIL = 'ops@example.com';
export const OPS_PASSWORD = 'Observer-Granite-Willow-3310';
export const JANE_EMAIL = 'jane@example.com';

/** Settings every doc-test server shares: fast failures, no per-IP limit in the way, short key cache. */
export const TEST_SERVER_ENV: Record<string, string> = {
  PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
  AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
  FAILED_LOGIN_MIN_RESPONSE_MS: '0',
  API_KEY_CACHE_TTL_SECONDS: '1',
};

/** Runs `gatehouse ARGS` with `stdin` piped in (how a password reaches it without a terminal). */
export function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<RunResult> {
  return runProgram(process.execPath, [GATEHOUSE_BIN, ...args], env, { stdin, timeoutMs: 30_000 });
}

/** A folder holding a `gatehouse` executable that runs this checkout with the tests' Node. */
export function gatehouseShimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-shim-'));
  const shim = join(dir, 'gatehouse');
  writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${GATEHOUSE_BIN}' "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

/** Whether every program is on the PATH. */
export function haveCommands(...names: string[]): boolean {
  return names.every((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0);
}

/** Statement results: rows for a query, the changed-row count for anything else. */
export interface SqlResult {
  rows: Record<string, unknown>[];
  changes: number;
}

/** A direct connection to the server's database, as an operator's psql or sqlite3 would be. */
export interface SqlSession {
  run(statement: string): Promise<SqlResult>;
  close(): Promise<void>;
}

/** Opens `url` (sqlite:PATH or postgres://…) outside Gatehouse. */
export async function openSql(url: string): Promise<SqlSession> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.pragma('busy_timeout = 5000');
    return {
      async run(statement) {
        const prepared = db.prepare(statement);
        if (prepared.reader) return { rows: prepared.all() as Record<string, unknown>[], changes: 0 };
        return { rows: [], changes: prepared.run().changes };
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async run(statement) {
      const result = await client.query(statement);
      return { rows: result.rows as Record<string, unknown>[], changes: result.rowCount ?? 0 };
    },
    async close() {
      await client.end();
    },
  };
}

/** Gatehouse processes on one fresh database (replicas when more than one), and how to stop them. */
export interface Deployment {
  database: TestDatabase;
  servers: ServerProcess[];
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts `replicas` Gatehouse processes on a fresh database of `dialect`. */
export async function deploy(
  dialect: TestDialect,
  options: { replicas?: number; env?: Record<string, string> } = {},
): Promise<Deployment> {
  const database = await dialect.create();
  const env = { ...TEST_SERVER_ENV, DATABASE_URL: database.url, ...options.env };
  const servers: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
  };
  try {
    // One at a time: the first applies the migrations and creates the platform admin.
    for (let i = 0; i < (options.replicas ?? 1); i++)
      servers.push(await startServerProcess({ env, readyTimeoutMs: 60_000 }));
  } catch (error) {
    await stop();
    throw error;
  }
  return { database, servers, env, stop };
}

/** An answer of the API: status and parsed JSON body. */
export interface Answer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** Sends one JSON request. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text), headers: response.headers };
}

/** POST /auth/email/login. */
export function login(baseUrl: string, email: string, password: string): Promise<Answer> {
  return request(baseUrl, 'POST', '/auth/email/login', { body: { email, password } });
}

/** A full access token for `email`; throws when the login does not answer 200. */
export async function tokenFor(baseUrl: string, email: string, password: string): Promise<string> {
  const answer = await login(baseUrl, email, password);
  if (answer.status !== 200)
    throw new Error(`login of ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.access_token as string;
}

/** The admin API path of a user. */
export const userPath = (email: string) => `/auth/email/admin/users/${encodeURIComponent(email)}`;

/** Admin: PATCH a user; throws unless 200. */
export async function patchUser(baseUrl: string, token: string, email: string, body: unknown) {
  const answer = await request(baseUrl, 'PATCH', userPath(email), { token, body });
  if (answer.status !== 200)
    throw new Error(`PATCH ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Admin: the user view; throws unless 200. */
export async function getUser(baseUrl: string, token: string, email: string) {
  const answer = await request(baseUrl, 'GET', userPath(email), { token });
  if (answer.status !== 200) throw new Error(`GET ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Locks `email` with MAX_FAILED_LOGIN_ATTEMPTS (default 5) wrong passwords. */
export async function lockAccount(baseUrl: string, email: string, attempts = 5): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const answer = await login(baseUrl, email, 'not the password at all, surely');
    if (answer.status !== 401) throw new Error(`wrong password for ${email} answered ${answer.status}`);
  }
}

/** Creates a user through the admin API; throws unless 201. */
export async function createUser(baseUrl: string, token: string, body: Record<string, unknown>) {
  const answer = await request(baseUrl, 'POST', '/auth/email/admin/users', { token, body });
  if (answer.status !== 201) throw new Error(`create user: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The claims of a JWT, unverified. */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/**
 * Runs a program to completion with the test environment plus `env` (PATH this process's unless
 * `options.path`), `options.stdin` piped in; killed after `options.timeoutMs` (default 50 s).
 */
export function runProgram(
  program: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; stdin?: string; path?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...childEnv(env), PATH: options.path ?? process.env.PATH },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
