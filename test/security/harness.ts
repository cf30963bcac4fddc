import { createHash } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import { expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type TestApp, testApp } from '../helpers/app.ts';
import type { TestDialect } from '../helpers/dialects.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { createUser, listAllUsers } from '../../src/identity/index.ts';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'violet lantern across seven hills';
export const USER_PASSWORD = 'quiet harbour under amber skies';
/** A password requests try to set (a change or a reset). */
export const NEW_PASSWORD = 'a brand new passphrase here';
const JWT_SECRET = 'security-suite-jwt-secret-0123456789abcdef';

/** The kinds of secret the log scan looks for. */
export type SecretKind = 'password' | 'api key' | 'access token' | 'reset token' | 'hash' | 'signing key';

// Every secret this test file used, with its kind; scanned for in every log line at the end.
const secrets = new Map<string, SecretKind>();
// The log text of every Gatehouse this file started (each keeps its lines after it closes).
const logs: Array<() => string> = [];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Remembers a secret the suite used, so that the log scan can look for it. */
export function remember(kind: SecretKind, value: string): string {
  secrets.set(value, kind);
  // API keys and reset tokens are stored as their SHA-256: that must not be logged either.
  if (kind === 'api key' || kind === 'reset token') secrets.set(sha256(value), 'hash');
  return value;
}

/** A parsed HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A Gatehouse listening on 127.0.0.1 in this process, with an admin logged in. */
export interface Gatehouse {
  t: TestApp;
  url: string;
  /** The admin's access token (a JWT). */
  admin: string;
  /** Every route in Fastify's route table, as registered. */
  routes: RouteOptions[];
  smtp: TestSmtpServer | null;
  /** A request over real HTTP; `body` is sent as JSON unless `raw` is given. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** Creates a user with a password (through the admin API) and returns their access token. */
  addUser(email: string, options?: { admin?: boolean }): Promise<string>;
  /** A fresh API key of the user who owns `token` (keys are made from a login session). */
  apiKey(token: string): Promise<{ id: string; secret: string }>;
  /** Asks for a reset link for `email` and returns the token it carries (needs `mail`). */
  resetToken(email: string): Promise<string>;
  /**
   * Opens a 2025-11-25 MCP session on `path` as `token` and returns a function that POSTs a raw
   * body in it; the answer's `messages` are the JSON-RPC messages of its JSON or SSE body.
   */
  mcpSession(
    token: string,
    path?: string,
  ): Promise<(raw: string) => Promise<Answer & { messages: unknown[] }>>;
  /** Adds the stdio echo fixture as backend `echo`. */
  addEchoBackend(): Promise<void>;
  /** Every row of the tables a request can change, for before/after comparison. */
  state(): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

const STATE_TABLES = [
  'email_users',
  'api_tokens',
  'backends',
  'password_reset_tokens',
  'revoked_tokens',
  'mail_outbox',
] as const;

/**
 * Starts Gatehouse on a fresh database of `dialect`, listening on a free loopback port, with a
 * trace-level log captured, an admin, and (with `mail`) a real SMTP server for reset links.
 */
export async function startGatehouse(
  dialect: TestDialect,
  options: { env?: Record<string, string>; mail?: boolean } = {},
): Promise<Gatehouse> {
  const database = await dialect.create();
  const smtp = options.mail ? await startSmtpServer() : null;
  const mailEnv: Record<string, string> = smtp
    ? {
        SMTP_ENABLED: 'true',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_FROM_EMAIL: 'gatehouse@example.com',
        SMTP_USE_TLS: 'false',
        PUBLIC_BASE_URL: 'https://gate.example.com',
        PASSWORD_RESET_MIN_RESPONSE_MS: '0',
      }
    : {};
  const routes: RouteOptions[] = [];
  const t = await testApp(
    {
      DATABASE_URL: database.url,
      LOG_LEVEL: 'trace',
      JWT_SECRET_KEY: remember('signing key', JWT_SECRET),
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
      PASSWORD_RESET_RATE_LIMIT: '1000',
      ...mailEnv,
      ...options.env,
    },
    (app) => app.addHook('onRoute', (route) => void routes.push(route)),
  );
  logs.push(t.logText);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const request: Gatehouse['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (body === undefined && opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };

  const login = async (email: string, password: string) => {
    const answer = await request('POST', '/auth/email/login', { body: { email, password } });
    expect(answer.status, answer.text).toBe(200);
    return remember('access token', answer.body.access_token as string);
  };

  remember('password', ADMIN_PASSWORD);
  remember('password', USER_PASSWORD);
  remember('password', NEW_PASSWORD);
  await createUser(
    t.identity,
    { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, isAdmin: true },
    { actorEmail: 'test' },
  );
  const admin = await login(ADMIN_EMAIL, ADMIN_PASSWORD);

  return {
    t,
    url,
    admin,
    routes,
    smtp,
    request,
    async addUser(email, userOptions = {}) {
      const created = await request('POST', '/auth/email/admin/users', {
        token: admin,
        body: { email, password: USER_PASSWORD, is_admin: userOptions.admin ?? false },
      });
      expect(created.status, created.text).toBe(201);
      return login(email, USER_PASSWORD);
    },
    async apiKey(token) {
      const created = await request('POST', '/auth/keys', { token, body: { name: 'matrix' } });
      expect(created.status, created.text).toBe(201);
      return {
        id: created.body.key.id as string,
        secret: remember('api key', created.body.api_key as string),
      };
    },
    async resetToken(email) {
      if (smtp === null) throw new TypeError('resetToken needs startGatehouse(…, { mail: true })');
      const before = smtp.messages.length;
      const asked = await request('POST', '/auth/email/forgot-password', { body: { email } });
      expect(asked.status, asked.text).toBe(200);
      await t.identity.background.idle();
      await t.mailer.deliverDue();
      // Other mail may arrive meanwhile (the requests of a test): take the first link sent to `email` since.
      let match: RegExpExecArray | null = null;
      for (let wanted = before + 1; match === null; wanted += 1) {
        await smtp.waitFor(wanted);
        const message = smtp.messages[wanted - 1];
        if (smtp.envelopes[wanted - 1]?.to.includes(email))
          match = /\/admin\/reset-password\/([A-Za-z0-9_-]{43})/.exec(message?.text ?? '');
      }
      if (!match[1]) throw new Error('no reset link in the mail');
      return remember('reset token', match[1]);
    },
    async mcpSession(token, path = '/mcp') {
      const headers = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
      const post = async (raw: string, session?: string) => {
        const answer = await request('POST', path, {
          token,
          raw,
          headers: session === undefined ? headers : { ...headers, 'mcp-session-id': session },
        });
        return { ...answer, messages: jsonRpcMessages(answer) };
      };
      const opened = await post(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'matrix', version: '1' },
          },
        }),
      );
      const session = opened.headers.get('mcp-session-id');
      expect(opened.status, opened.text).toBe(200);
      if (session === null) throw new Error('no MCP session id');
      await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), session);
      return (raw) => post(raw, session);
    },
    async addEchoBackend() {
      const added = await request('POST', '/backends', {
        token: admin,
        body: { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') },
      });
      expect(added.status, added.text).toBe(201);
    },
    async state() {
      const snapshot: Record<string, unknown[]> = {};
      for (const table of STATE_TABLES) {
        const rows = await t.store.db.selectFrom(table).selectAll().execute();
        snapshot[table] = rows.map((row) => JSON.stringify(row)).sort();
      }
      return snapshot;
    },
    async close() {
      // The stored password hashes are secrets the log must never show either.
      for (const user of await listAllUsers(t.identity)) remember('hash', user.passwordHash);
      await t.close();
      await smtp?.stop();
      await database.drop();
    },
  };
}

/** The JSON-RPC messages of an MCP answer, whether sent as JSON or as an event stream. */
export function jsonRpcMessages(answer: Answer): unknown[] {
  if (answer.text === '') return [];
  if (answer.headers.get('content-type')?.startsWith('text/event-stream'))
    return answer.text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.slice(5).trim() !== '')
      .map((line) => JSON.parse(line.slice(5)) as unknown);
  const parsed = JSON.parse(answer.text) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Where a secret, or its JSON- or URL-escaped form, appears in the captured logs. */
function leaks(): string[] {
  const found: string[] = [];
  const lines = logs.flatMap((text) => text().split('\n'));
  for (const [secret, kind] of secrets) {
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    for (const line of lines) {
      if ([...forms].some((form) => line.includes(form)))
        found.push(`${kind} ${secret.slice(0, 6)}… in ${line}`);
    }
  }
  return found;
}

/**
 * Adds this file's last test: no secret it used (passwords, API keys and their hashes, access
 * tokens, reset tokens and their hashes, password hashes, the signing key) is in any log line
 * of any Gatehouse it started. Call it once, after every other describe block of the file.
 */
export function noSecretInLogs(): void {
  it('writes no password, API key, access token, reset token, signing key or hash to any log line', () => {
    const lines = logs.flatMap((text) => text().split('\n')).filter((line) => line !== '');
    expect(lines.some((line) => line.includes('"msg":"request completed"'))).toBe(true);
    expect(secrets.size).toBeGreaterThan(3);
    expect(leaks()).toEqual([]);
  });
}
