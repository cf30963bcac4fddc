import { createServer, type AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { runCli } from '../helpers/cli.ts';
import { DIALECTS, type TestDialect } from '../helpers/dialects.ts';
import { eventually } from '../helpers/mcp-gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';
const USER_PASSWORD = 'a user passphrase for metrics';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789abcdef';

/** One sample of the exposition: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format 0.0.4 (no timestamps, as prom-client writes it). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** A running Gatehouse child process on a fresh database of `dialect`. */
async function startGatehouse(dialect: TestDialect, env: Record<string, string> = {}) {
  const database = await dialect.create();
  const server = await startServerProcess({
    env: { DATABASE_URL: database.url, PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
    readyTimeoutMs: 60_000,
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    server,
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

function scrape(url: string, headers: Record<string, string> = {}) {
  return fetch(url, { headers });
}

describe('/metrics protection', () => {
  let running: { server: ServerProcess; stop(): Promise<void> } | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('with METRICS_TOKEN answers 401 without a token and with a wrong one, and 200 with it', async () => {
    running = await startGatehouse(DIALECTS[0]!, { METRICS_TOKEN });
    const url = `${running.server.baseUrl}/metrics`;
    const missing = await scrape(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await missing.json()).toEqual({ error: 'Unauthorized' });
    const wrong = await scrape(url, { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'Unauthorized' });
    const right = await scrape(url, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await right.text()).toContain('gatehouse_auth_attempts_total');
  });

  it('without a token or a port serves direct loopback clients, with process metrics, and refuses proxied requests with 403', async () => {
    running = await startGatehouse(DIALECTS[0]!);
    const url = `${running.server.baseUrl}/metrics`;
    const direct = await scrape(url);
    expect(direct.status).toBe(200);
    const samples = parseExposition(await direct.text());
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const proxied = await scrape(url, { [header]: header === 'forwarded' ? 'for=192.0.2.1' : '192.0.2.1' });
      expect(proxied.status, header).toBe(403);
      expect(((await proxied.json()) as { error: string }).error).toBe('forbidden');
    }
  });

  it('with METRICS_PORT serves /metrics on that port only, without a token when none is set', async () => {
    const metricsPort = await freePort();
    running = await startGatehouse(DIALECTS[0]!, { METRICS_PORT: String(metricsPort) });
    expect((await scrape(`${running.server.baseUrl}/metrics`)).status).toBe(404);
    const separate = await scrape(`http://127.0.0.1:${metricsPort}/metrics`, {
      'x-forwarded-for': '192.0.2.1',
    });
    expect(separate.status).toBe(200);
    expect(await separate.text()).toContain('gatehouse_tool_calls_total');
    expect((await scrape(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);
  });

  it('with METRICS_PORT and METRICS_TOKEN asks for the token on that port', async () => {
    const metricsPort = await freePort();
    running = await startGatehouse(DIALECTS[0]!, { METRICS_PORT: String(metricsPort), METRICS_TOKEN });
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await scrape(url)).status).toBe(401);
    expect((await scrape(url, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it('stops start-up with exit code 1 and a message naming METRICS_PORT when that port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const metricsPort = (taken.address() as AddressInfo).port;
    const database = await DIALECTS[0]!.create();
    try {
      const result = await runCli(['serve'], {
        env: {
          DATABASE_URL: database.url,
          HOST: '127.0.0.1',
          PORT: String(await freePort()),
          METRICS_PORT: String(metricsPort),
        },
        timeoutMs: 60_000,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${metricsPort} (METRICS_PORT): EADDRINUSE`);
    } finally {
      taken.close();
      await database.drop();
    }
  });

  it('with METRICS_ENABLED=false serves no /metrics', async () => {
    running = await startGatehouse(DIALECTS[0]!, { METRICS_ENABLED: 'false' });
    expect((await scrape(`${running.server.baseUrl}/metrics`)).status).toBe(404);
  });
});

describe.each(DIALECTS)('/metrics series on $name', (dialect) => {
  let running: { server: ServerProcess; stop(): Promise<void> };
  let smtp: TestSmtpServer;
  let base: string;
  let admin: string;
  let aliceKey: string;
  let aliceJwt: string;
  const clients: Client[] = [];

  async function samples(): Promise<Sample[]> {
    const response = await scrape(`${base}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  }

  async function api(method: string, path: string, token: string | null, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  const login = (email: string, password: string) =>
    api('POST', '/auth/email/login', null, { email, password });

  async function connect(key: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const client = new Client({ name: 'metrics-test', version: '1.0.0' }, {
      versionNegotiation: { mode: 'legacy' },
    } as never);
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startGatehouse(dialect, {
      METRICS_TOKEN,
      MAX_FAILED_LOGIN_ATTEMPTS: '2',
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
      FAILED_LOGIN_MIN_RESPONSE_MS: '0',
      SMTP_ENABLED: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_FROM_EMAIL: 'gatehouse@example.com',
      SMTP_USE_TLS: 'false',
      PUBLIC_BASE_URL: 'https://gate.example.com',
      PASSWORD_RESET_MIN_RESPONSE_MS: '0',
      ACCOUNT_LOCKOUT_NOTIFICATION_ENABLED: 'false',
    });
    base = running.server.baseUrl;
    admin = (await login('admin@example.com', ADMIN_PASSWORD)).body.access_token;
    const created = await api('POST', '/backends', admin, {
      name: 'echo',
      transport: 'stdio',
      ...stdioFixtureCommand('echo'),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const [username, email] of [
      ['alice', 'alice@example.com'],
      ['bob', 'bob@example.com'],
      ['carol', 'carol@example.com'],
    ]) {
      const user = await api('POST', '/auth/email/admin/users', admin, {
        email,
        username,
        password: USER_PASSWORD,
        full_name: username,
      });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
    }
    aliceKey = (await api('POST', '/users/alice/keys', admin, { key_name: 'metrics' })).body.api_key;
    aliceJwt = (await login('alice@example.com', USER_PASSWORD)).body.access_token;
    expect(aliceKey).toMatch(/^mcpgw_/);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await running?.stop();
    await smtp?.stop();
  });

  it('a failed login counts as a failed password attempt and a good one as a success', async () => {
    const before = await samples();
    expect((await login('alice@example.com', 'not the password at all')).status).toBe(401);
    expect((await login('nobody@example.com', 'not the password at all')).status).toBe(401);
    expect((await login('alice@example.com', USER_PASSWORD)).status).toBe(200);
    const after = await samples();
    const delta = (outcome: string) =>
      total(after, 'gatehouse_auth_attempts_total', { method: 'password', outcome }) -
      total(before, 'gatehouse_auth_attempts_total', { method: 'password', outcome });
    expect(delta('failure')).toBe(2);
    expect(delta('success')).toBe(1);
    expect(
      total(after, 'gatehouse_security_events_total', { event: 'login_failed', outcome: 'failure' }) -
        total(before, 'gatehouse_security_events_total', { event: 'login_failed', outcome: 'failure' }),
    ).toBe(2);
  });

  it('failed logins up to MAX_FAILED_LOGIN_ATTEMPTS count one lockout', async () => {
    const before = total(await samples(), 'gatehouse_account_lockouts_total');
    expect((await login('bob@example.com', 'wrong password number one')).status).toBe(401);
    expect(total(await samples(), 'gatehouse_account_lockouts_total')).toBe(before);
    expect((await login('bob@example.com', 'wrong password number two')).status).toBe(401);
    expect(total(await samples(), 'gatehouse_account_lockouts_total')).toBe(before + 1);
  });

  it('a valid and an invalid API key count as key verifications and bearer attempts; a JWT as a jwt attempt', async () => {
    const before = await samples();
    expect((await api('GET', '/auth/email/me', aliceKey)).status).toBe(200);
    expect((await api('GET', '/auth/email/me', `${aliceKey.slice(0, -2)}zz`)).status).toBe(401);
    expect((await api('GET', '/auth/email/me', aliceJwt)).status).toBe(200);
    expect((await api('GET', '/auth/email/me', `${aliceJwt}x`)).status).toBe(401);
    const after = await samples();
    const delta = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(delta('gatehouse_api_key_verifications_total', { outcome: 'valid' })).toBe(1);
    expect(delta('gatehouse_api_key_verifications_total', { outcome: 'invalid' })).toBe(1);
    expect(delta('gatehouse_auth_attempts_total', { method: 'api_key', outcome: 'success' })).toBe(1);
    expect(delta('gatehouse_auth_attempts_total', { method: 'api_key', outcome: 'failure' })).toBe(1);
    expect(delta('gatehouse_auth_attempts_total', { method: 'jwt', outcome: 'success' })).toBe(1);
    expect(delta('gatehouse_auth_attempts_total', { method: 'jwt', outcome: 'failure' })).toBe(1);
  });

  it("the admin UI's session cookie counts as a session attempt, its sign-in as a password one", async () => {
    const before = await samples();
    const signIn = await fetch(`${base}/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@example.com', password: USER_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^(__Host-)?gatehouse_session=/);
    expect((await fetch(`${base}/auth/session`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/auth/session`, { headers: { cookie: `${cookie}x` } })).status).toBe(401);
    const after = await samples();
    const delta = (method: string, outcome: string) =>
      total(after, 'gatehouse_auth_attempts_total', { method, outcome }) -
      total(before, 'gatehouse_auth_attempts_total', { method, outcome });
    expect(delta('password', 'success')).toBe(1);
    expect(delta('session', 'success')).toBe(1);
    expect(delta('session', 'failure')).toBe(1);
  });

  it('a tool call through /mcp counts by backend, tool and outcome and lands in the latency histogram', async () => {
    const before = await samples();
    const { client } = await connect(aliceKey);
    await client.callTool({ name: 'echo__echo', arguments: { text: 'a private tool argument' } });
    await client.callTool({ name: 'echo__add', arguments: { a: 'not a number', b: 2 } });
    const after = await samples();
    const delta = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(delta('gatehouse_tool_calls_total', { backend: 'echo', tool: 'echo', outcome: 'ok' })).toBe(1);
    expect(delta('gatehouse_tool_calls_total', { backend: 'echo', tool: 'add', outcome: 'tool_error' })).toBe(
      1,
    );
    expect(delta('gatehouse_tool_call_duration_seconds_count', { backend: 'echo', tool: 'echo' })).toBe(1);
    expect(
      delta('gatehouse_tool_call_duration_seconds_bucket', { backend: 'echo', tool: 'echo', le: '+Inf' }),
    ).toBe(1);
    expect(
      delta('gatehouse_tool_call_duration_seconds_sum', { backend: 'echo', tool: 'echo' }),
    ).toBeGreaterThan(0);
  });

  it('gauges backend health and stdio processes', async () => {
    const { client } = await connect(aliceKey);
    await client.callTool({ name: 'echo__echo', arguments: { text: 'up' } });
    const now = await samples();
    expect(total(now, 'gatehouse_backend_up', { backend: 'echo' })).toBe(1);
    expect(total(now, 'gatehouse_backend_state', { backend: 'echo', state: 'ready' })).toBe(1);
    expect(total(now, 'gatehouse_backend_state', { backend: 'echo', state: 'failed' })).toBe(0);
    expect(total(now, 'gatehouse_backend_processes', { backend: 'echo' })).toBe(1);
    expect(total(now, 'gatehouse_stdio_processes')).toBe(1);
  });

  it('counts exactly the streamable HTTP sessions open: two opened, one deleted, one refused to another caller', async () => {
    const sessions = async () =>
      total(await samples(), 'gatehouse_mcp_sessions', { transport: 'streamable_http' });
    // Sessions earlier tests left open (their clients closed without a DELETE) still count.
    const baseline = await sessions();
    const first = await connect(aliceKey);
    const second = await connect(aliceKey);
    expect(await sessions()).toBe(baseline + 2);
    // Another caller's DELETE of the session is answered 404 and ends nothing.
    const foreign = await fetch(`${base}/mcp`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}`, 'mcp-session-id': first.transport.sessionId! },
    });
    expect(foreign.status).toBe(404);
    expect(await sessions()).toBe(baseline + 2);
    await first.transport.terminateSession();
    expect(await sessions()).toBe(baseline + 1);
    await second.transport.terminateSession();
    expect(await sessions()).toBe(baseline);
  });

  it('counts exactly the legacy SSE streams open: two opened, one closed', async () => {
    const sessions = async () => total(await samples(), 'gatehouse_mcp_sessions', { transport: 'sse' });
    const open = async () => {
      const aborter = new AbortController();
      const stream = await fetch(`${base}/sse`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${aliceKey}` },
        signal: aborter.signal,
      });
      expect(stream.status).toBe(200);
      return aborter;
    };
    const first = await open();
    const second = await open();
    expect(await sessions()).toBe(2);
    first.abort();
    await eventually(
      async () => ((await sessions()) === 1 ? true : undefined),
      10_000,
      'one SSE stream closed',
    );
    second.abort();
    await eventually(
      async () => ((await sessions()) === 0 ? true : undefined),
      10_000,
      'both SSE streams closed',
    );
  });

  it('a reset request and its completion count as password reset stages', async () => {
    const before = await samples();
    const mails = smtp.messages.length;
    expect(
      (await api('POST', '/auth/email/forgot-password', null, { email: 'carol@example.com' })).status,
    ).toBe(200);
    await smtp.waitFor(mails + 1, 20_000);
    const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(smtp.messages[mails]!.text ?? '')?.[1];
    expect(token).toBeDefined();
    const reset = await api('POST', `/auth/email/reset-password/${token}`, null, {
      new_password: 'a brand new passphrase after the reset',
      confirm_password: 'a brand new passphrase after the reset',
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    const after = await samples();
    const delta = (stage: string) =>
      total(after, 'gatehouse_password_resets_total', { stage }) -
      total(before, 'gatehouse_password_resets_total', { stage });
    expect(delta('requested')).toBe(1);
    expect(delta('completed')).toBe(1);
  });

  it('shows no secret, user, key or address in the output, and labels only from a bounded vocabulary', async () => {
    const text = await (await scrape(`${base}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).text();
    for (const secret of [
      ADMIN_PASSWORD,
      USER_PASSWORD,
      METRICS_TOKEN,
      aliceKey,
      aliceKey.slice(0, 16),
      aliceJwt,
      admin,
      'a private tool argument',
      '@example.com',
      'alice',
      'bob',
      'carol',
      '127.0.0.1',
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    const ours = parseExposition(text).filter((s) => s.name.startsWith('gatehouse_'));
    const labelNames = new Set(ours.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(
      ['backend', 'event', 'le', 'method', 'outcome', 'stage', 'state', 'tool', 'transport'].sort(),
    );
  });
});
