import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { adminToken, faultEnv, integrityProblems, send } from './fault-helpers.ts';

const WORKERS = 6;
/** Iterations per worker at most: bounds the traffic however fast the machine is. */
const MAX_ROUNDS = 60;
/** The traffic's deadline, past the kill. */
const TRAFFIC_MS = 4000;
/** When the process is killed, unless half of the bounded traffic is done sooner. */
const KILL_AFTER_MS = 2500;

/** What the server acknowledged (answered 2xx) before it was killed. */
interface Acknowledged {
  users: { username: string; email: string }[];
  keys: { email: string; key: string }[];
  /** Addresses whose forgot-password was answered. */
  resets: string[];
  /** Admin password resets: the address and the password set. */
  adminResets: { email: string; password: string }[];
}

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await server?.stop();
  await smtp?.stop();
  await database?.drop();
  server = database = smtp = undefined;
});

/**
 * One client's traffic: per round a user, an API key of theirs, a forgot-password and an admin
 * password reset for them, each recorded once answered 2xx. Stops at the deadline, after
 * MAX_ROUNDS, or at the first failure (the server died).
 */
async function drive(
  baseUrl: string,
  admin: string,
  worker: number,
  deadline: number,
  acked: Acknowledged,
  inFlight: { count: number },
): Promise<void> {
  const step = async (method: string, path: string, body: unknown, bearer?: string) => {
    inFlight.count += 1;
    try {
      const answer = await send(baseUrl, method, path, { body, bearer });
      return answer.status >= 200 && answer.status < 300 ? answer : null;
    } finally {
      inFlight.count -= 1;
    }
  };
  try {
    for (let round = 0; round < MAX_ROUNDS && Date.now() < deadline; round += 1) {
      const username = `w${worker}r${round}`;
      const email = `${username}@example.com`;
      if (!(await step('POST', '/users', { username, email }, admin))) return;
      acked.users.push({ username, email });
      const key = await step('POST', `/users/${username}/keys`, { key_name: 'fault' }, admin);
      if (!key) return;
      acked.keys.push({ email, key: key.body!.api_key as string });
      if (!(await step('POST', '/auth/email/forgot-password', { email }))) return;
      acked.resets.push(email);
      const password = `fresh passphrase ${worker}-${round} lantern copper`;
      if (!(await step('PUT', `/auth/email/admin/users/${email}`, { password }, admin))) return;
      acked.adminResets.push({ email, password });
    }
  } catch {
    // The connection failed: the server is gone. What was acknowledged is recorded.
  }
}

/** Runs `task` over `items`, `width` at a time; resolves to the items for which it returned false. */
async function failing<T>(items: T[], width: number, task: (item: T) => Promise<boolean>): Promise<T[]> {
  const failed: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      if (!(await task(item))) failed.push(item);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return failed;
}

describe.each(DIALECTS)('SIGKILL in the middle of write traffic on $name', (dialect) => {
  it('loses no acknowledged user, API key, reset request or audit event, and the database passes its integrity checks', async () => {
    database = await dialect.create();
    smtp = await startSmtpServer();
    const env = faultEnv(database.url, {
      SMTP_ENABLED: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_FROM_EMAIL: 'gatehouse@example.com',
      SMTP_USE_TLS: 'false',
      PUBLIC_BASE_URL: 'https://gate.example.com',
      // No floor: the answer comes as soon as the server has decided it, the hardest case.
      PASSWORD_RESET_MIN_RESPONSE_MS: '0',
    });
    server = await startServerProcess({ env, readyTimeoutMs: 30_000 });
    const admin = await adminToken(server.baseUrl);

    const acked: Acknowledged = { users: [], keys: [], resets: [], adminResets: [] };
    const inFlight = { count: 0 };
    const started = Date.now();
    const traffic = Array.from({ length: WORKERS }, (_, worker) =>
      drive(server!.baseUrl, admin, worker, started + TRAFFIC_MS, acked, inFlight),
    );
    // Killed after KILL_AFTER_MS, or sooner on a machine fast enough to near MAX_ROUNDS by then.
    while (Date.now() < started + KILL_AFTER_MS && acked.users.length < (WORKERS * MAX_ROUNDS) / 2)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const inFlightAtKill = inFlight.count;
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(traffic);
    // Killed mid-traffic: requests were on the wire, and writes of every kind had been answered.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(acked.adminResets.length).toBeGreaterThan(0);

    const restartedAt = performance.now();
    server = await startServerProcess({ env, readyTimeoutMs: 30_000 });
    const recoveryMs = performance.now() - restartedAt;

    // Every acknowledged key still authenticates, as its own user.
    const deadKeys = await failing(acked.keys, 8, async ({ email, key }) => {
      const me = await send(server!.baseUrl, 'GET', '/auth/email/me', { bearer: key });
      return me.status === 200 && me.body?.email === email;
    });
    expect(deadKeys.map((k) => k.email)).toEqual([]);
    // Every acknowledged admin reset set the password it was given.
    const oldPasswords = await failing(acked.adminResets, 4, async ({ email, password }) => {
      const login = await send(server!.baseUrl, 'POST', '/auth/email/login', { body: { email, password } });
      return login.status === 200;
    });
    expect(oldPasswords.map((r) => r.email)).toEqual([]);
    await server.stop();

    const store = openStore(database.url);
    try {
      const users = await store.db.selectFrom('email_users').select(['id', 'email', 'username']).execute();
      const idOf = new Map(users.map((u) => [u.email, u.id]));
      expect(acked.users.filter((u) => !users.some((row) => row.username === u.username))).toEqual([]);

      const tokens = await store.db.selectFrom('password_reset_tokens').select('user_id').execute();
      const withToken = new Set(tokens.map((t) => t.user_id));
      expect(acked.resets.filter((email) => !withToken.has(idOf.get(email)!))).toEqual([]);
      const mail = await store.db.selectFrom('mail_outbox').select(['kind', 'to_address']).execute();
      const mailed = (kind: string) => new Set(mail.filter((m) => m.kind === kind).map((m) => m.to_address));
      expect(acked.resets.filter((email) => !mailed('password_reset').has(email))).toEqual([]);
      // The owner is told an administrator set their password: that notice is part of the reset.
      expect(
        acked.adminResets.map((r) => r.email).filter((email) => !mailed('admin_password_reset').has(email)),
      ).toEqual([]);

      const events = await store.db.selectFrom('auth_events').select(['event_type', 'user_email']).execute();
      const audited = (type: string) =>
        new Set(events.filter((e) => e.event_type === type).map((e) => e.user_email));
      const missing = {
        user_created: acked.users.map((u) => u.email).filter((e) => !audited('user_created').has(e)),
        api_key_created: acked.keys.map((k) => k.email).filter((e) => !audited('api_key_created').has(e)),
        password_reset_requested: acked.resets.filter((e) => !audited('password_reset_requested').has(e)),
        user_updated: acked.adminResets.map((r) => r.email).filter((e) => !audited('user_updated').has(e)),
      };
      expect(missing).toEqual({
        user_created: [],
        api_key_created: [],
        password_reset_requested: [],
        user_updated: [],
      });
    } finally {
      await store.close();
    }
    expect(await integrityProblems(database.url)).toEqual([]);

    process.stdout.write(
      `[sigkill ${dialect.name}] acknowledged users=${acked.users.length} keys=${acked.keys.length} ` +
        `resets=${acked.resets.length} admin_resets=${acked.adminResets.length} in_flight_at_kill=${inFlightAtKill} ` +
        `restart_ms=${recoveryMs.toFixed(0)}\n`,
    );
  }, 60_000);
});
