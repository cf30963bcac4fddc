import { Client, type ClientOptions, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { DIALECTS, type TestDatabase } from './dialects.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';

/** The two protocol generations a downstream client can speak to the gateway. */
export const ERAS = [
  { era: '2025-11-25 (sessions)', legacy: true, versionNegotiation: { mode: 'legacy' as const } },
  { era: '2026-07-28 (stateless)', legacy: false, versionNegotiation: { mode: { pin: '2026-07-28' } } },
];

/** One of {@link ERAS}. */
export type Era = (typeof ERAS)[number];

/** A running Gatehouse on SQLite with an admin token, and what a suite opened against it. */
export interface GatewayUnderTest {
  server: ServerProcess;
  admin: string;
  /** Calls the REST API as `token`; the body is parsed JSON (or null when empty). */
  api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Adds a backend through POST /backends; fails the test unless it is created. */
  addBackend(backend: Record<string, unknown>): Promise<void>;
  /** Creates a user with an access policy and returns a fresh API key of theirs. */
  addUser(username: string, access?: { allowed_mcps: string[]; blocked_mcps: string[] }): Promise<string>;
  /** An SDK v2 client connected to `path` with `key` over Streamable HTTP; closed by `stop()`. */
  connect(key: string, era: Era, options?: ClientOptions, path?: string): Promise<Client>;
  /** Closes every client, stops the server and removes its database. */
  stop(): Promise<void>;
}

/** Starts Gatehouse (SQLite) and logs the bootstrap admin in. */
export async function startGateway(env: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const database: TestDatabase = await DIALECTS[0]!.create();
  const server = await startServerProcess({
    env: {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
      ...env,
    },
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const clients: Client[] = [];

  const api: GatewayUnderTest['api'] = async (method, path, token, body) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  const login = await fetch(`${server.baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: ADMIN_PASSWORD }),
  });
  const admin = ((await login.json()) as { access_token: string }).access_token;

  return {
    server,
    admin,
    api,
    async addBackend(backend) {
      const created = await api('POST', '/backends', admin, backend);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    },
    async addUser(username, access = { allowed_mcps: [], blocked_mcps: [] }) {
      const user = await api('POST', '/users', admin, { username, email: `${username}@example.com` });
      expect(user.status).toBe(201);
      expect((await api('PUT', `/users/${username}/mcp-access`, admin, access)).status).toBe(200);
      return (await api('POST', `/users/${username}/keys`, admin, { key_name: 'e2e' })).body.api_key;
    },
    async connect(key, era, options = {}, path = '/mcp') {
      const client = new Client({ name: 'e2e', version: '1.0.0' }, {
        ...options,
        versionNegotiation: era.versionNegotiation,
      } as ClientOptions);
      const transport = new StreamableHTTPClientTransport(new URL(`${server.baseUrl}${path}`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await server.stop();
      await database.drop();
    },
  };
}

/** The first text content of a tool result. */
export function textOf(result: { content?: unknown }): string {
  return (result.content as { type: string; text?: string }[] | undefined)?.[0]?.text ?? '';
}

/** Retries `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
