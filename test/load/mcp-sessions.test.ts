import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';
import { connectInspector, type Inspector, INSPECTOR_ENV, type Retained } from './inspector.ts';
import { type LoadClient, loadClient, type Outcome, report, rssKiB, tally } from './load-client.ts';

const SESSIONS = 1000;
// The gateway's target for what an idle 2025-11-25 session costs (docs/security.md).
const IDLE_SESSION_KIB = 64;
const REQUEST_BOUND_MS = 30_000;
const RSS_PER_SESSION_KIB = 2 * IDLE_SESSION_KIB;
const RSS_BOUND_KIB = 600 * 1024;
// 2xx, or a refusal that tells the client to come back (rate limit, overload).
const answered = (outcome: Outcome) =>
  outcome.kind === 'answer' &&
  ((outcome.status >= 200 && outcome.status < 300) || [429, 503].includes(outcome.status));

/** The value of `gatehouse_mcp_sessions{transport="streamable_http"}` at /metrics. */
async function openSessionsGauge(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^gatehouse_mcp_sessions\{transport="streamable_http"\} (\d+)$/m.exec(text);
  if (!match?.[1]) throw new Error('no gatehouse_mcp_sessions gauge at /metrics');
  return Number(match[1]);
}

/** The JSON-RPC message of an answer sent as JSON or as one SSE event; null when there is none. */
function message(outcome: Outcome): { result?: Record<string, unknown>; error?: unknown } | null {
  if (outcome.kind !== 'answer' || outcome.text === '') return null;
  const data = /^data: ?(.*)$/m.exec(outcome.text)?.[1] ?? outcome.text;
  return JSON.parse(data) as { result?: Record<string, unknown> };
}

describe('1,000 parallel MCP sessions against a Gatehouse process', () => {
  let gateway: GatewayUnderTest;
  let key = '';
  let client: LoadClient;
  let inspector: Inspector;

  beforeAll(async () => {
    gateway = await startGateway(INSPECTOR_ENV);
    inspector = await connectInspector(gateway.server.output());
    await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
    key = await gateway.addUser('loader');
    client = loadClient(gateway.server.baseUrl, { sockets: 64, timeoutMs: REQUEST_BOUND_MS });
  }, 60_000);
  afterAll(async () => {
    inspector?.close();
    client?.close();
    await gateway?.stop();
  });

  const headers = (session?: string): Record<string, string> => ({
    authorization: `Bearer ${key}`,
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    ...(session === undefined ? {} : { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
  });
  const post = (body: unknown, session?: string) =>
    client.send('POST', '/mcp', { headers: headers(session), body: JSON.stringify(body) });

  /** Opens a session and uses it once: initialize, initialized, tools/list, tools/call. */
  async function useSession(n: number): Promise<{ id: string | null; outcomes: Outcome[]; echoed: boolean }> {
    const opened = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: `load-${n}`, version: '1' },
      },
    });
    const id =
      opened.kind === 'answer' ? ((opened.headers['mcp-session-id'] as string | undefined) ?? null) : null;
    if (id === null) return { id, outcomes: [opened], echoed: false };
    const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, id);
    const listed = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, id);
    const called = await post(
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'echo__echo', arguments: { text: `hi ${n}` } },
      },
      id,
    );
    const text = (message(called)?.result?.content as { text?: string }[] | undefined)?.[0]?.text;
    return { id, outcomes: [opened, initialized, listed, called], echoed: text === `hi ${n}` };
  }

  it('answers initialize, tools/list and tools/call in 1,000 concurrent sessions, holds each idle session in at most 64 KiB, and frees them all on DELETE', async () => {
    const pid = gateway.server.child.pid!;
    // Warm up (modules, JIT, the backend's process) so the baseline is the steady state.
    const warm = await Promise.all(Array.from({ length: 50 }, (_, n) => useSession(n)));
    await Promise.all(warm.map(({ id }) => client.send('DELETE', '/mcp', { headers: headers(id!) })));
    expect(await openSessionsGauge(gateway.server.baseUrl)).toBe(0);
    const base = await inspector.retained();
    const rssBase = rssKiB(pid);

    const started = performance.now();
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, (_, n) => useSession(n)));
    const wallMs = performance.now() - started;
    const outcomes = sessions.flatMap((s) => s.outcomes);
    expect(
      outcomes.filter((o) => !answered(o)),
      JSON.stringify(tally(outcomes)),
    ).toEqual([]);
    const open = sessions.filter((s) => s.id !== null);
    // Every session that was opened did its work; one refused (429/503) is not a failure.
    expect(open.every((s) => s.echoed)).toBe(true);
    expect(open.length).toBeGreaterThan(SESSIONS * 0.9);
    expect(await openSessionsGauge(gateway.server.baseUrl)).toBe(open.length);
    const held = await inspector.retained();
    const rssOpen = rssKiB(pid);

    const closed = await Promise.all(
      open.map(({ id }) => client.send('DELETE', '/mcp', { headers: headers(id!) })),
    );
    expect(
      closed.filter((o) => !answered(o)),
      JSON.stringify(tally(closed)),
    ).toEqual([]);
    expect(await openSessionsGauge(gateway.server.baseUrl)).toBe(0);
    // A closed session is gone: its id now answers 404.
    const gone = await post({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, open[0]!.id!);
    expect(gone.kind === 'answer' && gone.status).toBe(404);
    expect(gateway.server.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.server.baseUrl}/health`)).status).toBe(200);
    const after = await inspector.retained();
    const rssClosed = rssKiB(pid);

    const live = (r: Retained) => r.heapUsedKiB + r.externalKiB;
    const perSession = (live(held) - live(base)) / open.length;
    const rssPerSession = (rssOpen - rssBase) / open.length;
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    report(
      `${open.length} MCP sessions (4 requests each) in ${Math.round(wallMs)} ms, ${JSON.stringify(tally(outcomes))}; ` +
        `live heap+external ${mib(live(base))} before, ${mib(live(held))} open (${perSession.toFixed(1)} KiB/session), ` +
        `${mib(live(after))} after DELETE; RSS ${mib(rssBase)} before, ${mib(rssOpen)} open ` +
        `(${rssPerSession.toFixed(1)} KiB/session), ${mib(rssClosed)} after DELETE`,
    );
    expect(perSession).toBeLessThanOrEqual(IDLE_SESSION_KIB);
    // Closing gives the memory back: what stays is a small part of what the sessions held.
    expect(live(after) - live(base)).toBeLessThan((live(held) - live(base)) / 4);
    // What the process takes from the system grows too, allocator slack included, but stays bounded.
    expect(rssPerSession).toBeLessThanOrEqual(RSS_PER_SESSION_KIB);
    expect(rssOpen).toBeLessThan(RSS_BOUND_KIB);
  }, 90_000);
});
