// Gateway benchmark: a real Gatehouse child process (SQLite in a temporary directory, API-key auth)
// on loopback, measured in closed loops by two load generators: the SDK v2 client, and a light
// node:http client (bench/light-client.ts) that costs the machine far less per call, so the proxies
// rather than the load generator set the rate:
//   1. tools/call through Gatehouse to a stdio echo backend, against mcp-proxy in front of the same;
//   2. tools/call through Gatehouse to a Streamable HTTP echo backend, against calling it directly;
//   3. a new session (connect + tools/list) on /mcp across 10 backends whose lists are cached;
//   4. memory per idle 2025-11-25 session (after a forced GC, read through the inspector);
//   5. the floor: a bare node:http echo server, and bare node:http forwarders to the HTTP and the
//      stdio echo backends (no gateway work).
// Prints Markdown tables and whether each target is met; every process it starts is stopped.
// Run: npm run bench:gateway [-- --calls 2000 --sessions 1,16 --profile DIR]  (--help for all)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { type FixtureServer, spawnListening } from '../test/fixtures/mcp/start-fixture.ts';
import { formatSummary, summarize } from './cpu-profile.ts';
import { openLightSession, type ToolCaller } from './light-client.ts';
import { type CallRow, formatReport, type Results } from './gateway-report.ts';
import {
  closeClient,
  closedLoop,
  cpuMs,
  BARE_HTTP,
  type Endpoint,
  type Era,
  ERAS,
  type Gatehouse,
  GATEHOUSE_BIN,
  Inspector,
  openClient,
  openIdleSession,
  openSdkSession,
  type Owned,
  percentile,
  startGatehouse,
  startHttpEcho,
  startMcpProxy,
  STDIO_ECHO,
  warmUp,
} from './gateway-harness.ts';

const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '3000' },
    'server-warmup': { type: 'string', default: '20000' },
    sessions: { type: 'string', default: '1,16' },
    clients: { type: 'string', default: 'sdk,light' },
    eras: { type: 'string', default: '2025-11-25,2026-07-28' },
    connects: { type: 'string', default: '100' },
    'idle-sessions': { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'info' },
    phases: { type: 'string', default: '1,2,3,4,5' },
    profile: { type: 'string' },
    bin: { type: 'string', default: GATEHOUSE_BIN },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    [
      'node bench/gateway.ts [options]',
      '  --calls N           measured tools/call per configuration, split across its sessions (2000)',
      '  --warmup N          unmeasured calls per configuration first (3000)',
      '  --server-warmup N   unmeasured light-client calls per server and era before its rows (20000)',
      '  --sessions A,B      concurrent sessions per configuration (1,16)',
      '  --clients sdk,light load generators: the SDK v2 client and/or the light node:http client (both)',
      '  --eras X,Y          2025-11-25 and/or 2026-07-28 (both)',
      '  --connects N        new sessions timed in phase 3 (100)',
      '  --idle-sessions N   idle 2025-11-25 sessions opened in phase 4 (1000)',
      '  --max-seconds S     time bound of each measured loop (10)',
      '  --log-level L       Gatehouse LOG_LEVEL; its log goes to /dev/null (info, the default)',
      '  --phases 1,2,3,4,5  which phases to run',
      '  --profile DIR       CPU-profile Gatehouse during phases 1 and 2; .cpuprofile files go to DIR',
      '  --bin PATH          the gatehouse script to run, e.g. another checkout (this one)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const positive = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`--${name} must be a positive integer`);
  return n;
};
const CALLS = positive('calls', flags.calls);
const WARMUP = positive('warmup', flags.warmup);
const SESSIONS = flags.sessions.split(',').map((s) => positive('sessions', s));
const CONNECTS = positive('connects', flags.connects);
const IDLE_SESSIONS = positive('idle-sessions', flags['idle-sessions']);
const MAX_MS = positive('max-seconds', flags['max-seconds']) * 1000;
/**
 * Calls that bring each server (Gatehouse, mcp-proxy, the HTTP echo backend) to its steady state in
 * an era before its rows: V8 takes about 20,000 calls to settle on these paths (Gatehouse's CPU per
 * call falls from about 950 µs over the first 2,000 to about 200; mcp-proxy's from 2,800 to 800).
 */
const SERVER_WARMUP = positive('server-warmup', flags['server-warmup']);
const PHASES = new Set(flags.phases.split(','));
const CLIENT_KINDS = flags.clients.split(',').map((kind) => {
  if (kind !== 'sdk' && kind !== 'light') throw new TypeError(`unknown client ${kind}`);
  return kind;
});
const openers = { sdk: openSdkSession, light: openLightSession };
const ERA_LIST = flags.eras.split(',').map((era) => {
  if (!(era in ERAS)) throw new TypeError(`unknown era ${era}`);
  return era as Era;
});
const profileDir = flags.profile;
if (profileDir) mkdirSync(profileDir, { recursive: true });

const owned: Owned[] = [];
const results: Results = { calls: [], connects: [], memory: null };
const profiles: string[] = [];
const notes: string[] = [];
const own = <T extends Owned>(child: T): T => {
  owned.push(child);
  return child;
};

/** What one configuration calls: an endpoint, its tool, and the processes whose CPU time is counted. */
interface Target {
  endpoint: Endpoint;
  tool: string;
  proxyPid?: number;
  backendPid?: number;
}

/** CPU milliseconds used so far by the proxy and the backend (NaN for none). */
const cpuOf = ({ proxyPid, backendPid }: Target) => ({
  proxy: proxyPid === undefined ? NaN : cpuMs(proxyPid),
  backend: backendPid === undefined ? NaN : cpuMs(backendPid),
});

/** Closed loops of tools/call on `target`, per load generator and session count; appends one row each. */
async function measureCalls(
  row: Pick<CallRow, 'path' | 'via' | 'era'>,
  target: Target,
  clients: readonly ('sdk' | 'light')[] = CLIENT_KINDS,
): Promise<void> {
  const { path, via, era } = row;
  const { endpoint, tool } = target;
  for (const client of clients)
    for (const sessions of SESSIONS) {
      const callers: ToolCaller[] = [];
      try {
        for (let i = 0; i < sessions; i++) callers.push(await openers[client](endpoint, era, tool));
        const warm = await closedLoop(callers, Math.ceil(WARMUP / sessions), MAX_MS);
        if (warm.errors > 0) throw new Error(`${via} ${path} ${era}: ${warm.errors} warm-up calls failed`);
        const cpuBefore = cpuOf(target);
        const clientBefore = process.cpuUsage();
        const run = await closedLoop(callers, Math.ceil(CALLS / sessions), MAX_MS);
        const clientCpu = process.cpuUsage(clientBefore);
        const cpuAfter = cpuOf(target);
        const perCallUs = (msUsed: number) => (msUsed * 1000) / run.latencies.length;
        const sorted = run.latencies.sort((a, b) => a - b);
        results.calls.push({
          path,
          via,
          era,
          client,
          sessions,
          calls: sorted.length,
          errors: run.errors,
          perSecond: sorted.length / run.seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          cpu: {
            proxy: perCallUs(cpuAfter.proxy - cpuBefore.proxy),
            backend: perCallUs(cpuAfter.backend - cpuBefore.backend),
            client: perCallUs((clientCpu.user + clientCpu.system) / 1000),
          },
        });
      } finally {
        await Promise.all(callers.map((caller) => caller.close()));
      }
    }
}

/** Runs `work`; with --profile, under the CPU profiler of `gatehouse`, saved as DIR/NAME.cpuprofile. */
async function profiled(gatehouse: Gatehouse, name: string, work: () => Promise<void>): Promise<void> {
  if (!profileDir || !gatehouse.inspector) return work();
  const inspector = await Inspector.connect(gatehouse.inspector);
  try {
    const profile = await inspector.profile(work);
    const file = join(profileDir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    profiles.push(formatSummary(file, summarize(profile as Parameters<typeof summarize>[0], 20)));
  } finally {
    inspector.close();
  }
}

const gatehouseOptions = (backends: Record<string, unknown>[], inspect = Boolean(profileDir)) => ({
  backends,
  logLevel: flags['log-level'],
  bin: flags.bin,
  inspect,
});

async function stdioPath(): Promise<void> {
  const stdio = { transport: 'stdio', ...STDIO_ECHO, startup: 'boot' };
  const gatehouse = own(await startGatehouse(gatehouseOptions([{ name: 'echo', ...stdio }])));
  const proxy = own(await startMcpProxy(randomBytes(24).toString('base64url')));
  const viaGatehouse = { endpoint: gatehouse.endpoint, tool: 'echo__echo', proxyPid: gatehouse.pid };
  const viaProxy = { endpoint: proxy.endpoint, tool: 'echo', proxyPid: proxy.pid };
  for (const era of ERA_LIST) {
    await steadyState(viaGatehouse, era);
    await profiled(gatehouse, `gatehouse-stdio-${era}`, () =>
      measureCalls({ path: 'stdio', via: 'Gatehouse', era }, viaGatehouse),
    );
    await steadyState(viaProxy, era);
    await measureCalls({ path: 'stdio', via: 'mcp-proxy', era }, viaProxy);
  }
  await gatehouse.stop();
  await proxy.stop();
}

async function httpPath(echo: FixtureServer): Promise<void> {
  const http = { name: 'echo', transport: 'http', url: echo.url, startup: 'boot' };
  const gatehouse = own(await startGatehouse(gatehouseOptions([http])));
  const viaGatehouse = {
    endpoint: gatehouse.endpoint,
    tool: 'echo__echo',
    proxyPid: gatehouse.pid,
    backendPid: echo.pid,
  };
  const direct = { endpoint: { url: echo.url, headers: {} }, tool: 'echo', backendPid: echo.pid };
  for (const era of ERA_LIST) {
    await steadyState(viaGatehouse, era);
    await profiled(gatehouse, `gatehouse-http-${era}`, () =>
      measureCalls({ path: 'http', via: 'Gatehouse', era }, viaGatehouse),
    );
    await steadyState(direct, era);
    await measureCalls({ path: 'http', via: 'direct', era }, direct);
  }
  await gatehouse.stop();
}

/** Brings the server behind `target` to its steady state in `era` (`--server-warmup` calls). */
const steadyState = ({ endpoint, tool }: Target, era: Era) => warmUp(endpoint, era, tool, SERVER_WARMUP);

/**
 * The floor: plain node:http with none of a gateway's work, under the light client (2026-07-28,
 * stateless), so the rows above can be read against what any Node.js server or proxy costs here.
 */
async function floor(echo: FixtureServer): Promise<void> {
  const bareEcho = own(await spawnListening(process.execPath, [BARE_HTTP, 'echo']));
  const forwarder = own(await spawnListening(process.execPath, [BARE_HTTP, 'forward', echo.url]));
  const stdioForwarder = own(
    await spawnListening(process.execPath, [
      BARE_HTTP,
      'forward-stdio',
      STDIO_ECHO.command,
      ...STDIO_ECHO.args,
    ]),
  );
  const era = '2026-07-28';
  const direct = { endpoint: { url: echo.url, headers: {} }, tool: 'echo', backendPid: echo.pid };
  const viaBareEcho = { endpoint: { url: bareEcho.url, headers: {} }, tool: 'echo', proxyPid: bareEcho.pid };
  const viaForwarder = { ...direct, endpoint: { url: forwarder.url, headers: {} }, proxyPid: forwarder.pid };
  const viaStdioForwarder = {
    endpoint: { url: stdioForwarder.url, headers: {} },
    tool: 'echo',
    proxyPid: stdioForwarder.pid,
  };
  const light = ['light'] as const;
  for (const [via, target] of [
    ['bare echo', viaBareEcho],
    ['direct', direct],
    ['bare forwarder', viaForwarder],
    ['bare stdio forwarder', viaStdioForwarder],
  ] as const) {
    await steadyState(target, era);
    await measureCalls({ path: 'floor', via, era }, target, light);
  }
  await bareEcho.stop();
  await forwarder.stop();
  await stdioForwarder.stop();
}

async function newSessions(echo: FixtureServer): Promise<void> {
  const backends = Array.from({ length: 10 }, (_, i) => ({
    name: `e${i}`,
    transport: 'http',
    url: echo.url,
    startup: 'boot',
  }));
  const gatehouse = own(await startGatehouse(gatehouseOptions(backends, false)));
  for (const era of ERA_LIST) {
    const times: number[] = [];
    const deadline = performance.now() + MAX_MS;
    // Warm: fills the lists cache of every backend and the code paths of a connect.
    for (let i = 0; i < 10; i++) await closeClient(await openClient(gatehouse.endpoint, era));
    for (let i = 0; i < CONNECTS && performance.now() < deadline; i++) {
      const t0 = performance.now();
      const client = await openClient(gatehouse.endpoint, era);
      const { tools } = await client.listTools();
      times.push(performance.now() - t0);
      await closeClient(client);
      if (tools.length !== 10) throw new Error(`expected 10 tools, listed ${tools.length}`);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    results.connects.push({
      era,
      sessions: times.length,
      mean,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
    });
  }
  await gatehouse.stop();
}

async function idleSessions(): Promise<void> {
  const backend = { name: 'echo', transport: 'stdio', ...STDIO_ECHO };
  const gatehouse = own(await startGatehouse(gatehouseOptions([backend], true)));
  const inspector = await Inspector.connect(gatehouse.inspector!);
  try {
    const openMany = async (count: number) => {
      let next = 0;
      // Eight at a time: many sessions quickly, without a burst of sockets.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < count) await openIdleSession(gatehouse.endpoint);
        }),
      );
    };
    await openMany(50);
    const before = await inspector.memoryAfterGc();
    await openMany(IDLE_SESSIONS);
    const after = await inspector.memoryAfterGc();
    results.memory = {
      sessions: IDLE_SESSIONS,
      heapPerSession: (after.heapUsed - before.heapUsed) / IDLE_SESSIONS,
      rssPerSession: (after.rss - before.rss) / IDLE_SESSIONS,
      rssBefore: before.rss,
      rssAfter: after.rss,
    };
  } finally {
    inspector.close();
    await gatehouse.stop();
  }
}

let failed = false;
const cleanUp = async () => {
  await Promise.all(owned.map((p) => p.stop().catch(() => undefined)));
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
try {
  const needsEcho = PHASES.has('2') || PHASES.has('3') || PHASES.has('5');
  const echo = needsEcho ? own(await startHttpEcho()) : null;
  if (PHASES.has('1')) await stdioPath();
  if (PHASES.has('2')) await httpPath(echo!);
  if (PHASES.has('3')) await newSessions(echo!);
  if (PHASES.has('4')) await idleSessions();
  if (PHASES.has('5')) await floor(echo!);
  if (PHASES.has('2'))
    notes.push(
      'Direct HTTP calls carry no authentication; through Gatehouse every request is checked against an API key. ' +
        'mcp-proxy runs with --apiKey (X-API-Key).',
    );
  const header =
    `Gateway benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ` +
    `Node ${process.versions.node}, load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Gatehouse LOG_LEVEL=${flags['log-level']}${profileDir ? ', CPU profiler on' : ''}`;
  process.stdout.write(`${formatReport(header, results)}\n${notes.join('\n')}\n\n${profiles.join('\n')}`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);
