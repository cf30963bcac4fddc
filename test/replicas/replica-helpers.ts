import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/** The platform admin every replica of these suites bootstraps. */
export const ADMIN = { email: 'admin@example.com', password: 'lantern copper meadow 4711' };

/** Settings every replica of these suites shares (on top of its database, Redis and prefix). */
export function replicaEnv(options: {
  databaseUrl: string;
  redisUrl?: string;
  prefix: string;
  env?: Record<string, string>;
}): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    REDIS_KEY_PREFIX: options.prefix,
    PLATFORM_ADMIN_EMAIL: ADMIN.email,
    PLATFORM_ADMIN_PASSWORD: ADMIN.password,
    // Each test speaks from its own client address, so per-IP limits of one test never touch another.
    TRUSTED_PROXIES: '127.0.0.1',
    FAILED_LOGIN_MIN_RESPONSE_MS: '0',
    PASSWORD_RESET_MIN_RESPONSE_MS: '0',
    ARGON2ID_MEMORY_COST: '8192',
    ARGON2ID_TIME_COST: '1',
    ...options.env,
  };
}

/** Starts one Gatehouse process with `env`. */
export function startReplica(env: Record<string, string>): Promise<ServerProcess> {
  return startServerProcess({ env, readyTimeoutMs: 30_000 });
}

/** A JSON request to a replica, optionally with a bearer credential and a client address (X-Forwarded-For). */
export async function call(
  replica: ServerProcess,
  method: string,
  path: string,
  options: { bearer?: string; ip?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.ip) headers['x-forwarded-for'] = options.ip;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${replica.baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  if (text !== '') {
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** Logs in through `replica` and returns the access token; throws unless the login succeeds. */
export async function loginFor(
  replica: ServerProcess,
  email: string,
  password: string,
  ip = '192.0.2.1',
): Promise<string> {
  const response = await call(replica, 'POST', '/auth/email/login', { body: { email, password }, ip });
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token as string;
}

/** Runs one query on `databaseUrl` and returns its rows. */
export async function query<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
