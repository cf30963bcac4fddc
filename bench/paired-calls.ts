// Paired before/after of Gatehouse's CPU per tools/call: several checkouts run side by side (one
// Gatehouse child each, the gateway benchmark's setup and echo backends), driven by the light client
// (bench/light-client.ts: node:http, keep-alive, no SDK), in blocks of calls that alternate between
// the checkouts, so both see the same machine. CPU is every thread's run time from
// /proc/PID/task/*/schedstat (nanoseconds), so short blocks still measure. Prints, per path and era,
// each checkout's median CPU µs/call and the median ratio of paired blocks to the first checkout.
//   node bench/paired-calls.ts [--calls 400 --rounds 15 --sessions 1] before=/tmp/base/bin/gatehouse.js after
// A checkout named NAME@LEVEL runs with LOG_LEVEL=LEVEL (default info): `info warn@warn` prices the
// per-call log line.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type Gatehouse,
  GATEHOUSE_BIN,
  median,
  startGatehouse,
  startHttpEcho,
  STDIO_ECHO,
} from './gateway-harness.ts';
import { openLightSession } from './light-client.ts';

const { values: flags, positionals } = parseArgs({
  options: {
    calls: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '15' },
    sessions: { type: 'string', default: '1' },
    configs: { type: 'string', default: 'stdio-2025,stdio-2026,http-2025,http-2026' },
  },
  allowPositionals: true,
});
const CALLS = Number(flags.calls);
const ROUNDS = Number(flags.rounds);
const SESSIONS = Number(flags.sessions);
const CONFIGS = flags.configs.split(',');
// NAME[@LOG_LEVEL]=path/to/bin/gatehouse.js, or a bare NAME[@LOG_LEVEL] for this checkout.
const checkouts = positionals.map((arg) => {
  const [name, bin] = arg.split('=');
  const logLevel = name!.split('@')[1] ?? 'info';
  return { name: name!, bin: bin ?? GATEHOUSE_BIN, logLevel };
});
if (checkouts.length < 2) throw new TypeError('name at least two checkouts: before=PATH after');

/** CPU time of every thread of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread has ended since the listing.
    }
  }
  return ns / 1e6;
}

/** One session of `config` (`stdio-2025`, `http-2026`, …): calls echo and checks the answer. */
async function openSession(gatehouse: Gatehouse, config: string): Promise<(id: number) => Promise<void>> {
  const [path, era] = config.split('-');
  const tool = path === 'stdio' ? 'echo__echo' : 'web__echo';
  const session = await openLightSession(
    gatehouse.endpoint,
    era === '2026' ? '2026-07-28' : '2025-11-25',
    tool,
  );
  return async (id) => {
    const text = `hello ${id}`;
    const answer = await session.call(text);
    if (answer !== text) throw new Error(`${config}: answered ${String(answer).slice(0, 200)}`);
  };
}

/** One checkout under test: its Gatehouse, its sessions by configuration, its CPU per call by block. */
interface Run {
  name: string;
  gatehouse: Gatehouse;
  sessions: Map<string, ((id: number) => Promise<void>)[]>;
  cpu: Map<string, number[]>;
}

const echo = await startHttpEcho();
const running: Gatehouse[] = [];
try {
  const backends = [
    { name: 'echo', transport: 'stdio', ...STDIO_ECHO, startup: 'boot' },
    { name: 'web', transport: 'http', url: echo.url, startup: 'boot' },
  ];
  const runs: Run[] = [];
  for (const { name, bin, logLevel } of checkouts) {
    const gatehouse = await startGatehouse({ backends, logLevel, bin });
    running.push(gatehouse);
    const sessions = new Map<string, ((id: number) => Promise<void>)[]>();
    for (const config of CONFIGS)
      sessions.set(
        config,
        await Promise.all(Array.from({ length: SESSIONS }, () => openSession(gatehouse, config))),
      );
    runs.push({ name, gatehouse, sessions, cpu: new Map<string, number[]>() });
  }
  let id = 0;
  const block = async (run: Run, config: string, calls: number): Promise<number> => {
    const sessions = run.sessions.get(config)!;
    const each = Math.ceil(calls / sessions.length);
    const before = cpuMs(run.gatehouse.pid);
    await Promise.all(
      sessions.map(async (call) => {
        for (let i = 0; i < each; i++) await call(++id);
      }),
    );
    return ((cpuMs(run.gatehouse.pid) - before) * 1000) / (each * sessions.length);
  };
  for (const run of runs) for (const config of CONFIGS) await block(run, config, 500);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? runs : [...runs].reverse();
    for (const config of CONFIGS)
      for (const run of order) {
        const perCall = await block(run, config, CALLS);
        run.cpu.set(config, [...(run.cpu.get(config) ?? []), perCall]);
      }
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  process.stdout.write(
    `Paired calls, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.versions.node}, ` +
      `${SESSIONS} session(s), ${ROUNDS} rounds of ${CALLS} calls, load average at the end ${load}\n\n` +
      `| Path | Era | ${runs.map((run) => `${run.name} CPU µs/call`).join(' | ')} | ${runs
        .slice(1)
        .map((run) => `${run.name} / ${runs[0]!.name}`)
        .join(' | ')} |\n|---|---|${'---:|'.repeat(runs.length * 2 - 1)}\n`,
  );
  for (const config of CONFIGS) {
    const [path, era] = config.split('-');
    const first = runs[0]!.cpu.get(config)!;
    const cells = runs.map((run) => median(run.cpu.get(config)!).toFixed(0));
    const ratios = runs
      .slice(1)
      .map((run) => median(run.cpu.get(config)!.map((cpu, i) => cpu / first[i]!)).toFixed(2));
    process.stdout.write(`| ${path} | ${era} | ${cells.join(' | ')} | ${ratios.join(' | ')} |\n`);
  }
} finally {
  await Promise.all(running.map((gatehouse) => gatehouse.stop().catch(() => undefined)));
  await echo.stop();
}
process.exit(0);
