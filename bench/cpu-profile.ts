// Summarizes a V8 .cpuprofile (node --cpu-prof): where the busy time went, by function (self
// time), by layer (Gatehouse source folder, npm package, Node internals, GC), and the Gatehouse
// functions with the most inclusive time. bench/gateway.ts --profile prints this for each
// Gatehouse it ran. Run: node bench/cpu-profile.ts FILE.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)']);

/**
 * Where a sample's time is charged: the first concern (in this order) with a frame anywhere on the
 * sample's stack. Async continuations lose their callers, so this is an approximation.
 */
const CONCERNS: readonly (readonly [string, RegExp])[] = [
  ['logging (pino, redaction, request logs)', /pino\/|sonic-boom|@pinojs|log-controller|src\/http\/logger/],
  ['API-key authentication', /authenticate|src\/identity\//],
  ['catalog (catalogFor, buildCatalog)', /catalogFor|buildCatalog|src\/gateway\/catalog\//],
  ['Fastify → Web Request (webRequest)', /^webRequest src\//],
  ['Web Response → Fastify (sendWeb)', /^sendWeb src\//],
  ['upstream stdio (ProcessTransport)', /process-transport/],
  ['upstream direct HTTP (node:http client)', /http-channel/],
  ['upstream SDK Client', /@modelcontextprotocol\/client/],
  ['upstream call bookkeeping (connection, session, direct request)', /src\/gateway\/upstream\//],
  ['downstream SDK server (transports, dispatch)', /@modelcontextprotocol\/server/],
  ['Gatehouse MCP glue (routes, serve)', /src\/gateway\/|src\/http\//],
  ['undici (fetch, Request, Response, Headers)', /deps\/undici/],
  ['Fastify and node:http', /fastify|find-my-way|_http_|avvio/],
  ['streams and web streams (not attributed above)', /streams/],
  ['zod (not attributed above)', /zod\//],
];

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src >= 0 && !url.includes('node_modules')) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** The layer a frame belongs to: `src/<domain>`, an npm package, `node:<area>`, or a V8 pseudo-frame. */
export function layerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const src = /\/src\/([^/]+)\/(?:([^/]+)\/)?/.exec(url);
  if (src) return src[2] && !src[2].endsWith('.ts') ? `src/${src[1]}/${src[2]}` : `src/${src[1]}`;
  if (url.startsWith('node:internal/')) return `node:${url.split('/')[1]}`;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
}

/** A native frame (a syscall, a builtin) is charged to the layer of the JS that called it. */
function nativeLayer(
  id: number,
  byId: Map<number, ProfileNode>,
  parentOf: Map<number, number>,
): string | null {
  if (layerOf(byId.get(id)!.callFrame) !== '(native)') return null;
  for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at)!.callFrame;
    if (frame.url !== '') return `${layerOf(frame)} (native)`;
  }
  return '(native)';
}

function concernOf(id: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>): string {
  if (byId.get(id)!.callFrame.functionName === '(garbage collector)') return '(garbage collector)';
  const stack: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at))
    stack.push(keyOf(byId.get(at)!));
  return CONCERNS.find(([, pattern]) => stack.some((key) => pattern.test(key)))?.[0] ?? 'other';
}

/** One row of a summary: a name, its milliseconds, and its share of the busy time. */
export interface Row {
  name: string;
  ms: number;
  percent: number;
}

/** What {@link summarize} finds. */
export interface Summary {
  totalMs: number;
  busyMs: number;
  selfTop: Row[];
  layers: Row[];
  concerns: Row[];
  gatehouseInclusive: Row[];
}

/** Self time by function and by layer, and inclusive time of Gatehouse's own functions (busy time only). */
export function summarize(profile: Profile, top = 25): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index + 1] ?? 0;
    totalUs += us;
    self.set(id, (self.get(id) ?? 0) + us);
  });
  let idleUs = 0;
  const selfByKey = new Map<string, number>();
  const byLayer = new Map<string, number>();
  const byConcern = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (IDLE.has(node.callFrame.functionName)) {
      idleUs += us;
      continue;
    }
    selfByKey.set(keyOf(node), (selfByKey.get(keyOf(node)) ?? 0) + us);
    const layer = nativeLayer(id, byId, parentOf) ?? layerOf(node.callFrame);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + us);
    const concern = concernOf(id, byId, parentOf);
    byConcern.set(concern, (byConcern.get(concern) ?? 0) + us);
  }
  // Inclusive time per Gatehouse function, counted once per stack even when recursive.
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Set<string>): number => {
    const node = byId.get(id)!;
    let us = self.get(id) ?? 0;
    const key = keyOf(node);
    const mine = node.callFrame.url.includes('/src/') && !node.callFrame.url.includes('node_modules');
    const counted = mine && !open.has(key);
    if (counted) open.add(key);
    for (const child of node.children ?? []) us += walk(child, open);
    if (counted) {
      open.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
    return us;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const busyUs = totalUs - idleUs;
  const rows = (map: Map<string, number>, limit: number): Row[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / busyUs }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    selfTop: rows(selfByKey, top),
    layers: rows(byLayer, top),
    concerns: rows(byConcern, CONCERNS.length + 2),
    gatehouseInclusive: rows(inclusive, top),
  };
}

/** The summary as Markdown tables. */
export function formatSummary(title: string, summary: Summary): string {
  const table = (heading: string, rows: Row[]) =>
    [
      `| ${heading} | ms | % of busy |`,
      '|---|---:|---:|',
      ...rows.map(
        (row) => `| ${row.name.replaceAll('|', '\\|')} | ${row.ms.toFixed(0)} | ${row.percent.toFixed(1)} |`,
      ),
    ].join('\n');
  return [
    `### ${title}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms profiled`,
    '',
    table('Time by concern (whole stack)', summary.concerns),
    '',
    table('Self time by layer', summary.layers),
    '',
    table('Self time by function', summary.selfTop),
    '',
    table('Inclusive time, Gatehouse functions', summary.gatehouseInclusive),
    '',
  ].join('\n');
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    process.stdout.write(`${formatSummary(file, summarize(profile, Number(values.top)))}\n`);
  }
}
