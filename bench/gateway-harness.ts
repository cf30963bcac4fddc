// Processes and load for bench/gateway.ts: a Gatehouse child process set up with an API key, the
// fixture backends, mcp-proxy, sessions (SDK clients or light ones) in closed loops, and a heap probe
// over the inspector.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawnListening, stopChild, type FixtureServer } from '../test/fixtures/mcp/start-fixture.ts';
import { freePort } from '../test/helpers/ports.ts';
import { openLightSessions, type ToolCaller } from './light-client.ts';

/** This checkout's `gatehouse` script. */
export const GATEHOUSE_BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));
const MCP_PROXY_BIN = fileURLToPath(
  new URL('../node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs', import.meta.url),
);
/** The stdio echo backend, as a command and arguments. */
export const STDIO_ECHO = {
  command: process.execPath,
  args: [fileURLToPath(new URL('./fixtures/stdio-echo.ts', import.meta.url))],
};
const HTTP_ECHO = fileURLToPath(new URL('./fixtures/http-echo.ts', import.meta.url));
/** Plain node:http: an echo server or a forwarder with none of a gateway's work (the floor). */
export const BARE_HTTP = fileURLToPath(new URL('./fixtures/bare-http.ts', import.meta.url));
const ADMIN_PASSWORD = 'benchmark passphrase for the gateway';

/** The two protocol generations a client can speak. */
export const ERAS = {
  '2025-11-25': { mode: 'legacy' as const },
  '2026-07-28': { mode: { pin: '2026-07-28' } },
};
export type Era = keyof typeof ERAS;

/** An MCP endpoint and the headers that authenticate to it. */
export interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

/** A child process the benchmark owns. */
export interface Owned {
  pid: number;
  stop(): Promise<void>;
}

async function waitUntil(ready: () => Promise<boolean>, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopChild(child);
  throw new Error(`${what} did not start`);
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // /proc reports clock ticks of USER_HZ, 100 per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Starts the HTTP echo backend on a free loopback port. */
export function startHttpEcho(): Promise<FixtureServer> {
  return spawnListening(process.execPath, [HTTP_ECHO, '--port', '0']);
}

/** Starts mcp-proxy in front of the stdio echo backend, with its own API key check on. */
export async function startMcpProxy(apiKey: string): Promise<Owned & { endpoint: Endpoint }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      MCP_PROXY_BIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--server',
      'stream',
      '--apiKey',
      apiKey,
    ].concat(['--', STDIO_ECHO.command, ...STDIO_ECHO.args]),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/ping`)).ok, 'mcp-proxy', child);
  return {
    pid: child.pid!,
    stop: () => stopChild(child),
    endpoint: { url, headers: { 'x-api-key': apiKey } },
  };
}

/** A running Gatehouse child process, its admin token and the bench user's API key. */
export interface Gatehouse extends Owned {
  baseUrl: string;
  endpoint: Endpoint;
  /** The inspector's WebSocket URL, when started with `inspect`. */
  inspector: string | null;
}

/**
 * Starts `gatehouse serve` on SQLite in a temporary directory, registers `backends` (POST /backends)
 * and creates a user with an API key. `nodeFlags` go before the script (e.g. --cpu-prof).
 */
export async function startGatehouse(options: {
  backends: Record<string, unknown>[];
  logLevel: string;
  /** The `gatehouse` script to run (another checkout, to compare); default this one's. */
  bin?: string;
  nodeFlags?: string[];
  inspect?: boolean;
}): Promise<Gatehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-gateway-'));
  const port = await freePort();
  const flags = [...(options.nodeFlags ?? []), ...(options.inspect ? ['--inspect=127.0.0.1:0'] : [])];
  const child = spawn(process.execPath, [...flags, options.bin ?? GATEHOUSE_BIN, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
      LOG_LEVEL: options.logLevel,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
    // The JSON log goes to /dev/null: written as in production, never read.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let inspector: string | null = null;
  child.stderr?.on('data', (chunk: Buffer) => {
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(String(chunk))?.[1] ?? null;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${baseUrl}/health`)).ok, 'Gatehouse', child);
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = await adminToken(baseUrl);
    const api = (method: string, path: string, body: unknown) => call(baseUrl, admin, method, path, body);
    for (const backend of options.backends) await api('POST', '/backends', backend);
    await backendsApplied(baseUrl, admin, options.backends);
    await api('POST', '/users', { username: 'bench', email: 'bench@example.com' });
    await api('PUT', '/users/bench/mcp-access', { allowed_mcps: [], blocked_mcps: [] });
    const key = (await api('POST', '/users/bench/keys', { key_name: 'bench' })) as { api_key: string };
    const endpoint = { url: `${baseUrl}/mcp`, headers: { authorization: `Bearer ${key.api_key}` } };
    return { pid: child.pid!, stop, baseUrl, endpoint, inspector };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until GET /status lists every backend, and shows those with `startup: boot` ready. */
async function backendsApplied(baseUrl: string, admin: string, backends: Record<string, unknown>[]) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { backends: status } = (await call(baseUrl, admin, 'GET', '/status', undefined)) as {
      backends: { name: string; state: string }[];
    };
    const state = new Map(status.map((b) => [b.name, b.state]));
    const applied = backends.every((b) => {
      const now = state.get(b.name as string);
      return now !== undefined && (b.startup !== 'boot' || now === 'ready');
    });
    if (applied) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('backends were not applied in time');
}

async function adminToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: ADMIN_PASSWORD }),
  });
  if (!response.ok) throw new Error(`admin login failed: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function call(baseUrl: string, token: string, method: string, path: string, body: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** Connects one SDK client (one session) in `era`; resolves once initialized. */
export async function openClient(endpoint: Endpoint, era: Era): Promise<Client> {
  const client = new Client({ name: 'gatehouse-bench', version: '1.0.0' }, { versionNegotiation: ERAS[era] });
  const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
    requestInit: { headers: endpoint.headers },
  });
  await client.connect(transport);
  return client;
}

/** Ends a client's session (DELETE for a 2025 session) and closes it. */
export async function closeClient(client: Client): Promise<void> {
  const transport = client.transport as StreamableHTTPClientTransport | undefined;
  if (transport?.sessionId) await transport.terminateSession().catch(() => undefined);
  await client.close().catch(() => undefined);
}

/** Latencies in milliseconds of one closed-loop run, and how long it took. */
export interface LoopResult {
  latencies: number[];
  errors: number;
  seconds: number;
}

/** Opens one SDK client session on `endpoint` in `era`, lists its tools, and calls `tool` with `{text}`. */
export async function openSdkSession(endpoint: Endpoint, era: Era, tool: string): Promise<ToolCaller> {
  const client = await openClient(endpoint, era);
  try {
    await client.listTools();
  } catch (error) {
    await closeClient(client);
    throw error;
  }
  return {
    async call(text) {
      const result = await client.callTool({ name: tool, arguments: { text } });
      return (result.content as { text?: string }[] | undefined)?.[0]?.text;
    },
    close: () => closeClient(client),
  };
}

/**
 * Each session calls its tool back to back, `perSession` times or until `maxMs` has passed, all
 * sessions at once. Every call's text is checked.
 */
export async function closedLoop(
  sessions: readonly ToolCaller[],
  perSession: number,
  maxMs: number,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  await Promise.all(
    sessions.map(async (session, index) => {
      const text = `hello from session ${index}`;
      for (let i = 0; i < perSession && performance.now() < deadline; i++) {
        const t0 = performance.now();
        try {
          if ((await session.call(text)) !== text) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

/**
 * `calls` unmeasured light-client calls of `tool` on `endpoint`, eight sessions at a time: what
 * brings a server to its steady state before it is measured.
 */
export async function warmUp(endpoint: Endpoint, era: Era, tool: string, calls: number): Promise<void> {
  const sessions = await openLightSessions(endpoint, era, tool, 8);
  try {
    const run = await closedLoop(sessions, Math.ceil(calls / sessions.length), 120_000);
    if (run.errors > 0) throw new Error(`${run.errors} warm-up calls to ${endpoint.url} failed`);
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

/** The median of `values` (of an even count, the upper middle one). */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** The `p`th percentile of ascending `sorted` values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Opens a 2025-11-25 session by hand (initialize, then notifications/initialized) without the
 * SDK client's GET stream: an idle session and nothing else. Resolves to its id.
 */
export async function openIdleSession(endpoint: Endpoint): Promise<string> {
  const headers = {
    ...endpoint.headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const init = await fetch(endpoint.url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'gatehouse-bench', version: '1.0.0' },
      },
    }),
  });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  if (!init.ok || id === null) throw new Error(`initialize failed: ${init.status}`);
  const initialized = await fetch(endpoint.url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  if (initialized.status !== 202) throw new Error(`initialized refused: ${initialized.status}`);
  return id;
}

/** Heap and resident memory of a process, in bytes, measured right after a full garbage collection. */
export interface MemorySample {
  heapUsed: number;
  rss: number;
}

/** A Chrome DevTools protocol session with a process started with --inspect. */
export class Inspector {
  #socket: WebSocket;
  #next = 0;
  #pending = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
    });
  }

  /** Opens a session to the inspector at `url` (ws://127.0.0.1:…). */
  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    return new Inspector(socket);
  }

  /** Sends one command; rejects with the protocol's error. */
  send(method: string, params: unknown = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = ++this.#next;
      this.#pending.set(id, (message) => {
        this.#pending.delete(id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Collects garbage (twice, for weak references), then reads process.memoryUsage(). */
  async memoryAfterGc(): Promise<MemorySample> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const evaluated = (await this.send('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(evaluated.result.value) as MemorySample;
    return { heapUsed: usage.heapUsed, rss: usage.rss };
  }

  /** Samples the CPU (every `intervalUs`) while `work` runs; resolves to the .cpuprofile object. */
  async profile(work: () => Promise<void>, intervalUs = 200): Promise<unknown> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.send('Profiler.start');
    const failed = await work().then(
      () => null,
      (error: unknown) => ({ error }),
    );
    const { profile } = (await this.send('Profiler.stop')) as { profile: unknown };
    if (failed) throw failed.error;
    return profile;
  }

  /** Ends the session. */
  close(): void {
    this.#socket.close();
  }
}
