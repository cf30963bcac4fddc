// Paired rates: the gateway benchmark's call targets judged from alternating blocks, so a slower
// or faster moment of a shared machine falls on both sides of each ratio. One Gatehouse (stdio and
// HTTP echo backends), mcp-proxy in front of the same stdio echo, and the HTTP echo called directly,
// all brought to their steady state first; then, per era and session count, rounds of one block of
// calls on each side (the order alternating by round), driven by the light client. Prints per pair
// the median calls/s of each side, the median and range of the per-round ratio, and the median
// per-round p50 of each side (the HTTP rows: the added p50). With --floor, a bare node:http stdio
// forwarder (bench/fixtures/bare-http.ts forward-stdio: no checks, no audit, no log) is paired with
// mcp-proxy too, and a bare node:http forwarder to the HTTP echo (bare-http.ts forward) with direct
// calls: what a proxy that does nothing reaches on this machine.
//   node bench/paired-rates.ts [--calls 1000 --rounds 9 --sessions 1,16 --warmup 20000 --floor]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spawnListening } from '../test/fixtures/mcp/start-fixture.ts';
import {
  BARE_HTTP,
  closedLoop,
  type Endpoint,
  type Era,
  ERAS,
  median,
  type Owned,
  percentile,
  startGatehouse,
  startHttpEcho,
  startMcpProxy,
  STDIO_ECHO,
  warmUp,
} from './gateway-harness.ts';
import { openLightSessions, type ToolCaller } from './light-client.ts';
import { randomBytes } from 'node:crypto';

const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '9' },
    sessions: { type: 'string', default: '1,16' },
    warmup: { type: 'string', default: '20000' },
    floor: { type: 'boolean', default: false },
  },
});
const CALLS = Number(flags.calls);
const ROUNDS = Number(flags.rounds);
const SESSIONS = flags.sessions.split(',').map(Number);
const WARMUP = Number(flags.warmup);

interface Side {
  name: string;
  endpoint: Endpoint;
  tool: string;
}

interface Block {
  perSecond: number;
  p50: number;
}

const open = (side: Side, era: Era, sessions: number) =>
  openLightSessions(side.endpoint, era, side.tool, sessions);

async function block(callers: ToolCaller[], calls: number): Promise<Block> {
  const run = await closedLoop(callers, Math.ceil(calls / callers.length), 60_000);
  if (run.errors > 0) throw new Error(`${run.errors} calls failed`);
  const sorted = run.latencies.sort((a, b) => a - b);
  return { perSecond: sorted.length / run.seconds, p50: percentile(sorted, 50) };
}

/** Alternating blocks on `a` and `b`; one Markdown row. */
async function pair(a: Side, b: Side, era: Era, sessions: number): Promise<string> {
  const sides = [await open(a, era, sessions), await open(b, era, sessions)] as const;
  try {
    for (const callers of sides) await block(callers, 3000);
    const results: [Block[], Block[]] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) results[i as 0 | 1].push(await block(sides[i as 0 | 1], CALLS));
    }
    const ratios = results[0].map((r, i) => r.perSecond / results[1][i]!.perSecond);
    const added = results[0].map((r, i) => r.p50 - results[1][i]!.p50);
    const rate = (side: 0 | 1) => median(results[side].map((r) => r.perSecond)).toFixed(0);
    const p50 = (side: 0 | 1) => median(results[side].map((r) => r.p50)).toFixed(2);
    return (
      `| ${a.name} vs ${b.name} | ${era} | ${sessions} | ${rate(0)} | ${rate(1)} | ` +
      `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
      `${p50(0)} | ${p50(1)} | ${median(added) >= 0 ? '+' : ''}${median(added).toFixed(2)} |`
    );
  } finally {
    await Promise.all(sides.flat().map((caller) => caller.close()));
  }
}

const warm = (side: Side, era: Era) => warmUp(side.endpoint, era, side.tool, WARMUP);

const owned: Owned[] = [];
let failed = false;
try {
  const echo = await startHttpEcho();
  owned.push(echo);
  const gatehouse = await startGatehouse({
    backends: [
      { name: 'echo', transport: 'stdio', ...STDIO_ECHO, startup: 'boot' },
      { name: 'web', transport: 'http', url: echo.url, startup: 'boot' },
    ],
    logLevel: 'info',
  });
  owned.push(gatehouse);
  const proxy = await startMcpProxy(randomBytes(24).toString('base64url'));
  owned.push(proxy);
  const viaGatehouseStdio = { name: 'Gatehouse (stdio)', endpoint: gatehouse.endpoint, tool: 'echo__echo' };
  const viaProxy = { name: 'mcp-proxy', endpoint: proxy.endpoint, tool: 'echo' };
  const viaGatehouseHttp = { name: 'Gatehouse (HTTP)', endpoint: gatehouse.endpoint, tool: 'web__echo' };
  const direct = { name: 'direct HTTP', endpoint: { url: echo.url, headers: {} }, tool: 'echo' };
  let viaBareStdio: Side | null = null;
  let viaBareHttp: Side | null = null;
  if (flags.floor) {
    const httpForwarder = await spawnListening(process.execPath, [BARE_HTTP, 'forward', echo.url]);
    owned.push(httpForwarder);
    viaBareHttp = { name: 'bare forwarder', endpoint: { url: httpForwarder.url, headers: {} }, tool: 'echo' };
    const forwarder = await spawnListening(process.execPath, [
      BARE_HTTP,
      'forward-stdio',
      STDIO_ECHO.command,
      ...STDIO_ECHO.args,
    ]);
    owned.push(forwarder);
    viaBareStdio = {
      name: 'bare stdio forwarder',
      endpoint: { url: forwarder.url, headers: {} },
      tool: 'echo',
    };
  }
  const rows: string[] = [];
  for (const era of Object.keys(ERAS) as Era[]) {
    for (const side of [viaGatehouseStdio, viaProxy, viaGatehouseHttp, direct, viaBareStdio, viaBareHttp])
      if (side !== null) await warm(side, era);
    for (const sessions of SESSIONS) {
      rows.push(await pair(viaGatehouseStdio, viaProxy, era, sessions));
      rows.push(await pair(viaGatehouseHttp, direct, era, sessions));
      if (viaBareStdio !== null) rows.push(await pair(viaBareStdio, viaProxy, era, sessions));
      if (viaBareHttp !== null) rows.push(await pair(viaBareHttp, direct, era, sessions));
    }
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    `Paired rates, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.versions.node}, ` +
      `light client, ${ROUNDS} rounds of ${CALLS} calls per side, load average at the end ${load}\n\n` +
      '| Pair (A vs B) | Era | Sessions | A calls/s | B calls/s | A / B, median (range) | A p50 ms | B p50 ms | A − B p50 ms |\n' +
      '|---|---|---:|---:|---:|---:|---:|---:|---:|\n' +
      `${rows.join('\n')}\n`,
  );
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await Promise.all(owned.map((p) => p.stop().catch(() => undefined)));
}
process.exit(failed ? 1 : 0);
