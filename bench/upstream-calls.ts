// Upstream call benchmark: the gateway's side of one tools/call to a backend, in this process,
// through the SDK client and around it (the direct path), alternating in rounds so both see the same
// machine. Measures this process's CPU time per call (process.cpuUsage) and the wall time per call.
// The backends are the gateway benchmark's echo fixtures (stdio, and Streamable HTTP, which the
// connection reaches in the 2026-07-28 era).
//   node bench/upstream-calls.ts [--calls 3000] [--rounds 6] [--transports stdio,http]
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BackendConnection, parseBackendConfig } from '../src/gateway/upstream/index.ts';
import { median } from './gateway-harness.ts';

const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '6' },
    transports: { type: 'string', default: 'stdio,http' },
  },
});
const CALLS = Number(flags.calls);
const ROUNDS = Number(flags.rounds);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function startHttpEcho(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fixture('http-echo.ts')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the HTTP echo fixture exited')));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /LISTENING (\S+)/.exec(String(chunk));
      if (match?.[1]) resolve(match[1]);
    });
  });
  return { url, child };
}

async function perCall(connection: BackendConnection): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < CALLS; i += 1) await connection.callTool('echo', { text: 'hello' }, { caller: {} });
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / CALLS, wall: ((performance.now() - started) * 1000) / CALLS };
}

process.stdout.write(
  `Upstream calls, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, Node ${process.versions.node}, ` +
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}; ${CALLS} calls per round, median of ${ROUNDS} rounds\n\n` +
    '| Backend | Era | SDK client CPU µs/call | direct CPU µs/call | SDK client wall µs/call | direct wall µs/call |\n' +
    '|---|---|---:|---:|---:|---:|\n',
);
for (const transport of flags.transports.split(',')) {
  const http = transport === 'http' ? await startHttpEcho() : null;
  const raw =
    http === null
      ? { name: 'echo', transport: 'stdio', command: process.execPath, args: [fixture('stdio-echo.ts')] }
      : { name: 'echo', transport: 'http', url: http.url };
  const parsed = parseBackendConfig(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  // As in the gateway: a server-request handler, so sampling and the rest are advertised.
  const options = { serverRequestHandler: async () => ({}) };
  const viaSdk = new BackendConnection(parsed.config, { ...options, directCalls: false });
  const direct = new BackendConnection(parsed.config, options);
  try {
    await Promise.all([viaSdk.connect(), direct.connect()]);
    await perCall(viaSdk);
    await perCall(direct);
    const sdk: { cpu: number; wall: number }[] = [];
    const around: { cpu: number; wall: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      sdk.push(await perCall(viaSdk));
      around.push(await perCall(direct));
    }
    const figures = [
      median(sdk.map((r) => r.cpu)),
      median(around.map((r) => r.cpu)),
      median(sdk.map((r) => r.wall)),
      median(around.map((r) => r.wall)),
    ];
    const row = [transport, direct.protocolVersion, ...figures.map((n) => n.toFixed(0))];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
  } finally {
    await Promise.all([viaSdk.close(), direct.close()]);
    http?.child.kill('SIGTERM');
  }
}
