// The tables and target verdicts bench/gateway.ts prints.
import type { Era } from './gateway-harness.ts';

/** One closed-loop configuration: a path, what serves it, an era and a number of sessions. */
export interface CallRow {
  path: 'stdio' | 'http' | 'floor';
  via: 'Gatehouse' | 'mcp-proxy' | 'direct' | 'bare echo' | 'bare forwarder' | 'bare stdio forwarder';
  era: Era;
  /** The load generator: the SDK v2 client or the light node:http client. */
  client: 'sdk' | 'light';
  sessions: number;
  calls: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU microseconds per call of the proxy (Gatehouse, mcp-proxy), the HTTP backend and the client process. */
  cpu: { proxy: number; backend: number; client: number };
}

/** New sessions (connect + tools/list) on /mcp in one era. */
export interface ConnectRow {
  era: Era;
  sessions: number;
  mean: number;
  p50: number;
  p99: number;
}

/** Memory growth per idle session, in bytes, after a forced garbage collection. */
export interface MemoryRow {
  sessions: number;
  heapPerSession: number;
  rssPerSession: number;
  rssBefore: number;
  rssAfter: number;
}

/** Everything one run measured. */
export interface Results {
  calls: CallRow[];
  connects: ConnectRow[];
  memory: MemoryRow | null;
}

const ms = (value: number) => value.toFixed(2);
const us = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(0));
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** The results as Markdown tables under `header`, then one line per target. */
export function formatReport(header: string, results: Results): string {
  const lines = [header, ''];
  if (results.calls.length > 0) {
    lines.push(
      '| Path | Via | Era | Client | Sessions | Calls | Errors | Calls/s | p50 ms | p99 ms | CPU µs/call: proxy | backend | client |',
      '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...results.calls.map(
        (r) =>
          `| ${r.path} | ${r.via} | ${r.era} | ${r.client} | ${r.sessions} | ${r.calls} | ${r.errors} | ${r.perSecond.toFixed(0)} | ` +
          `${ms(r.p50)} | ${ms(r.p99)} | ${us(r.cpu.proxy)} | ${us(r.cpu.backend)} | ${us(r.cpu.client)} |`,
      ),
      '',
    );
  }
  if (results.connects.length > 0) {
    lines.push(
      '| New session on /mcp, 10 backends (connect + tools/list) | Sessions | Mean ms | p50 ms | p99 ms |',
      '|---|---:|---:|---:|---:|',
      ...results.connects.map(
        (r) => `| ${r.era} | ${r.sessions} | ${ms(r.mean)} | ${ms(r.p50)} | ${ms(r.p99)} |`,
      ),
      '',
    );
  }
  const m = results.memory;
  if (m) {
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    lines.push(
      '| Idle 2025-11-25 sessions | Heap per session | RSS per session | RSS before → after |',
      '|---:|---:|---:|---|',
      `| ${m.sessions} | ${kib(m.heapPerSession)} | ${kib(m.rssPerSession)} | ${mib(m.rssBefore)} → ${mib(m.rssAfter)} MiB |`,
      '',
    );
  }
  lines.push('Targets:', ...targets(results), '');
  return lines.join('\n');
}

function targets({ calls, connects, memory }: Results): string[] {
  const out: string[] = [];
  const configurations = new Map(calls.map((r) => [`${r.client} ${r.era} ${r.sessions}`, r]));
  for (const { client, era, sessions } of configurations.values()) {
    const find = (path: string, via: string) =>
      calls.find(
        (r) =>
          r.path === path && r.via === via && r.client === client && r.era === era && r.sessions === sessions,
      );
    const gh = find('stdio', 'Gatehouse');
    const proxy = find('stdio', 'mcp-proxy');
    if (gh && proxy) {
      const ratio = gh.perSecond / proxy.perSecond;
      out.push(
        `- stdio ${era}, ${client} client, ${sessions} session(s): Gatehouse ${ratio.toFixed(2)}× mcp-proxy calls/s, ` +
          `p50 ${ms(gh.p50)} vs ${ms(proxy.p50)} ms (target ≥ 4× at lower p50): ` +
          `${verdict(ratio >= 4 && gh.p50 < proxy.p50)}; proxy CPU per call ${us(gh.cpu.proxy)} vs ${us(proxy.cpu.proxy)} µs`,
      );
    }
    const viaGh = find('http', 'Gatehouse');
    const direct = find('http', 'direct');
    if (viaGh && direct) {
      const share = viaGh.perSecond / direct.perSecond;
      const added = viaGh.p50 - direct.p50;
      const addedP50 = sessions === 1 ? `, p50 +${ms(added)} ms (target ≤ 0.5 ms)` : '';
      out.push(
        `- http ${era}, ${client} client, ${sessions} session(s): Gatehouse ${(share * 100).toFixed(0)}% of direct calls/s ` +
          `(target ≥ 40%)${addedP50}: ${verdict(share >= 0.4 && (sessions !== 1 || added <= 0.5))}; ` +
          `Gatehouse CPU per call ${us(viaGh.cpu.proxy)} µs`,
      );
    }
  }
  for (const sessions of new Set(calls.filter((r) => r.path === 'floor').map((r) => r.sessions))) {
    const find = (via: string) =>
      calls.find((r) => r.path === 'floor' && r.via === via && r.sessions === sessions);
    const [bare, direct, forwarder] = [find('bare echo'), find('direct'), find('bare forwarder')];
    if (bare)
      out.push(
        `- floor, ${sessions} session(s): a bare node:http echo server answers ${bare.perSecond.toFixed(0)} calls/s ` +
          `at ${us(bare.cpu.proxy)} µs CPU per call`,
      );
    if (direct && forwarder)
      out.push(
        `- floor, ${sessions} session(s): a bare node:http forwarder gives ${((forwarder.perSecond / direct.perSecond) * 100).toFixed(0)}% ` +
          `of direct calls/s, p50 +${ms(forwarder.p50 - direct.p50)} ms, at ${us(forwarder.cpu.proxy)} µs CPU per call`,
      );
    const stdioForwarder = find('bare stdio forwarder');
    const proxy = calls.find(
      (r) =>
        r.path === 'stdio' &&
        r.via === 'mcp-proxy' &&
        r.era === stdioForwarder?.era &&
        r.client === stdioForwarder.client &&
        r.sessions === sessions,
    );
    if (stdioForwarder)
      out.push(
        `- floor, ${sessions} session(s): a bare node:http stdio forwarder answers ${stdioForwarder.perSecond.toFixed(0)} calls/s ` +
          `at ${us(stdioForwarder.cpu.proxy)} µs CPU per call` +
          (proxy ? ` (${(stdioForwarder.perSecond / proxy.perSecond).toFixed(2)}× mcp-proxy's)` : ''),
      );
  }
  for (const r of connects) {
    out.push(
      `- new session ${r.era} across 10 backends: ${ms(r.mean)} ms mean (target < 20 ms): ${verdict(r.mean < 20)}`,
    );
  }
  if (memory) {
    const kib = memory.rssPerSession / 1024;
    out.push(`- RSS per idle session: ${kib.toFixed(1)} KiB (target ≤ 64 KiB): ${verdict(kib <= 64)}`);
  }
  return out;
}
