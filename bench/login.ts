// Login benchmark: a real Gatehouse process on a fresh database, hit with rounds of 200 parallel
// logins over loopback. Reports logins/s, latency percentiles, how many were shed with 503, and
// the server's peak resident memory (VmHWM). Run: npm run bench:login [-- DATABASE_URL]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PARALLEL = 200;
const ROUNDS = 5;
const PASSWORD = 'benchmark passphrase for logins';
const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const databaseUrl = process.argv[2] ?? `sqlite:${join(dir, 'bench.db')}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, [BIN, 'serve'], {
  env: {
    PATH: process.env.PATH,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    PLATFORM_ADMIN_PASSWORD: PASSWORD,
    AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

try {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const rssKiB = (field: 'VmRSS' | 'VmHWM') =>
    Number(
      new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0,
    );
  const idleRss = rssKiB('VmRSS');

  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        const t0 = performance.now();
        const response = await fetch(`${base}/auth/email/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@example.com', password: PASSWORD }),
        });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(0);
  const ok = statuses.get(200) ?? 0;
  process.stdout.write(
    `${JSON.stringify(
      {
        database: databaseUrl.split(':')[0],
        parallel: PARALLEL,
        requests: PARALLEL * ROUNDS,
        statuses: Object.fromEntries(statuses),
        successful_logins_per_second: Number((ok / seconds).toFixed(1)),
        latency_ms: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1)!.toFixed(0) },
        server_rss_idle_mib: Number((idleRss / 1024).toFixed(1)),
        server_rss_peak_mib: Number((rssKiB('VmHWM') / 1024).toFixed(1)),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
