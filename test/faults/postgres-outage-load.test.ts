import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL } from '../helpers/services.ts';
import { behindProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { type Answer, adminToken, faultEnv, send, STACK_TRACE } from './fault-helpers.ts';
import { callTool, resultText } from './mcp-call.ts';

// test/replicas/postgres-outage.test.ts covers one client's requests, /ready and the per-IP count
// across an outage, one request at a time. This suite is the same outage under concurrent load of
// every kind of authenticated client, with requests in flight when the connection is cut.

/** Concurrent loops per kind of client. */
const LOOPS = 2;
const OUTAGE_MS = 3000;
/** pg's connection timeout (src/store/connect.ts): no answer may take longer than this, plus slack. */
const ANSWER_BOUND_MS = 5000 + 1000;
const KEY_CACHE_TTL_MS = 1000;
const USER = { email: 'alice@example.com', username: 'alice', password: 'quiet harbour copper 4711' };

/** One answer a client got (status 0: no answer at all, with `error`). */
interface Sample {
  client: string;
  sentAt: number;
  ms: number;
  status: number;
  retryAfter: string | null;
  errorCode: unknown;
  text: string;
  /** For a 200: whether the body is what this request asks for. */
  correct: boolean;
  error?: string;
}

/** A kind of authenticated client and the request it repeats. */
interface ClientKind {
  name: string;
  /**
   * An API key verified less than API_KEY_CACHE_TTL_SECONDS before the outage may still call tools,
   * which need no database (docs/scaling.md); a request that needs the database never succeeds.
   */
  servedFromKeyCache: boolean;
  run(): Promise<{ answer: Answer; correct: boolean }>;
}

let database: TestDatabase;
let proxy: TcpProxy;
let server: ServerProcess;
let kinds: ClientKind[];
/** Timings for the report line the last test prints. */
const figures: Record<string, number> = {};

/** Runs LOOPS loops of every client kind until stopped; `samples` fills as answers come. */
function startLoad(): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = async (kind: ClientKind) => {
    while (running) {
      const sentAt = performance.now();
      try {
        const { answer, correct } = await kind.run();
        samples.push({
          client: kind.name,
          sentAt,
          ms: answer.ms,
          status: answer.status,
          retryAfter: answer.headers.get('retry-after'),
          errorCode: answer.body?.error,
          text: answer.text,
          correct,
        });
      } catch (error) {
        const ms = performance.now() - sentAt;
        samples.push({
          client: kind.name,
          sentAt,
          ms,
          status: 0,
          retryAfter: null,
          errorCode: null,
          text: '',
          correct: false,
          error: (error as Error).message,
        });
      }
    }
  };
  const loops = kinds.flatMap((kind) => Array.from({ length: LOOPS }, () => loop(kind)));
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** Why `sample` is not a fail-closed refusal (503, Retry-After, service_unavailable, no trace), or null. */
function notFailClosed(sample: Sample): string | null {
  if (sample.status !== 503) return `${sample.status} ${sample.error ?? sample.text.slice(0, 200)}`;
  if (sample.retryAfter === null || !/^\d+$/.test(sample.retryAfter)) return 'no Retry-After';
  if (sample.errorCode !== 'service_unavailable') return `error ${String(sample.errorCode)}`;
  if (STACK_TRACE.test(sample.text)) return 'stack trace';
  return null;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return performance.now() - started;
}

const readyStatus = async () => (await send(server.baseUrl, 'GET', '/ready', { timeoutMs: 8000 })).status;

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL cut off under concurrent load', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
    const relayed = await behindProxy(database.url, 5432);
    proxy = relayed.proxy;
    server = await startServerProcess({
      env: faultEnv(relayed.url, { API_KEY_CACHE_TTL_SECONDS: String(KEY_CACHE_TTL_MS / 1000) }),
      readyTimeoutMs: 30_000,
    });
    const base = server.baseUrl;
    const admin = await adminToken(base);
    const backend = await send(base, 'POST', '/backends', {
      bearer: admin,
      body: { name: 'steady', transport: 'stdio', ...stdioFixtureCommand('steady') },
    });
    expect(backend.status, backend.text).toBe(201);
    // An admin, so that her API key can open an admin route that reads the database.
    const user = await send(base, 'POST', '/auth/email/admin/users', {
      bearer: admin,
      body: { ...USER, is_admin: true },
    });
    expect(user.status, user.text).toBe(201);
    const login = await send(base, 'POST', '/auth/email/login', {
      body: { email: USER.email, password: USER.password },
    });
    const jwt = login.body!.access_token as string;
    const created = await send(base, 'POST', '/auth/keys', {
      bearer: jwt,
      body: { name: 'load', admin: true },
    });
    expect(created.status, created.text).toBe(201);
    const key = created.body!.api_key as string;
    const echo = async (bearer: string) => {
      const answer = await callTool(base, bearer, 'steady__echo', { text: 'ping' });
      return { answer, correct: resultText(answer) === 'ping' };
    };
    kinds = [
      {
        name: 'API key: GET /users/alice',
        servedFromKeyCache: false,
        run: async () => {
          const answer = await send(base, 'GET', `/users/${USER.username}`, { bearer: key });
          return { answer, correct: answer.body?.username === USER.username };
        },
      },
      {
        name: 'JWT: GET /auth/email/me',
        servedFromKeyCache: false,
        run: async () => {
          const answer = await send(base, 'GET', '/auth/email/me', { bearer: jwt });
          return { answer, correct: answer.body?.email === USER.email };
        },
      },
      { name: 'JWT: MCP tools/call', servedFromKeyCache: false, run: () => echo(jwt) },
      { name: 'API key: MCP tools/call', servedFromKeyCache: true, run: () => echo(key) },
    ];
    for (const kind of kinds) expect((await kind.run()).correct, kind.name).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('answers every authenticated request that needs the database 503 with Retry-After while it is cut off, never 200, 401, a trace or a hang, and /ready says 503', async () => {
    const load = startLoad();
    let cutAt = 0;
    let outageEnd = 0;
    try {
      // Cut once every kind of client has been answered under load.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await waitFor(async () => kinds.every((k) => load.samples.some((s) => s.client === k.name)), 10_000);
      cutAt = performance.now();
      await proxy.cut();
      figures.readyMs = await waitFor(async () => (await readyStatus()) === 503, 5000);
      expect((await send(server.baseUrl, 'GET', '/health')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, cutAt + OUTAGE_MS - performance.now()));
      outageEnd = performance.now();
      expect(await readyStatus()).toBe(503);
    } finally {
      await load.stop();
    }
    const samples = load.samples;

    const before = samples.filter((s) => s.sentAt + s.ms < cutAt);
    const during = samples.filter((s) => s.sentAt >= cutAt && s.sentAt < outageEnd);
    for (const kind of kinds) {
      const mine = (list: Sample[]) => list.filter((s) => s.client === kind.name);
      // Warm before the cut: every answer right.
      expect(mine(before).length, kind.name).toBeGreaterThan(0);
      expect(
        mine(before).filter((s) => s.status !== 200 || !s.correct),
        kind.name,
      ).toEqual([]);
      // Under load during the outage.
      expect(mine(during).length, kind.name).toBeGreaterThanOrEqual(10);
      const graceEnd = cutAt + KEY_CACHE_TTL_MS + 500;
      const refusals = mine(during).filter((s) => !(kind.servedFromKeyCache && s.sentAt < graceEnd));
      expect(
        refusals.map(notFailClosed).filter((why) => why !== null),
        kind.name,
      ).toEqual([]);
      // A key still in the cache gets a right answer or the same refusal.
      expect(
        mine(during).filter((s) => !(s.status === 200 && s.correct) && notFailClosed(s) !== null),
        kind.name,
      ).toEqual([]);
      expect(refusals.length, kind.name).toBeGreaterThan(0);
    }
    // Nothing hung: in flight at the cut or sent during the outage, each request was answered in time.
    const cutOrAfter = samples.filter((s) => s.sentAt + s.ms >= cutAt);
    expect(cutOrAfter.filter((s) => s.status === 0 || s.ms > ANSWER_BOUND_MS)).toEqual([]);
    figures.outageAnswers = during.length;
    figures.slowestOutageMs = Math.max(...cutOrAfter.map((s) => s.ms));
  });

  it('serves every client again by itself once PostgreSQL is reachable, under the same load, and /ready says 200', async () => {
    const load = startLoad();
    const restoredAt = performance.now();
    const recovered = new Map<string, number>();
    try {
      await proxy.restore();
      figures.ready200Ms = await waitFor(async () => (await readyStatus()) === 200, 15_000);
      // Every kind of client gets a right answer again, without a restart.
      await waitFor(async () => {
        for (const sample of load.samples) {
          if (sample.status === 200 && sample.correct && !recovered.has(sample.client))
            recovered.set(sample.client, sample.sentAt + sample.ms - restoredAt);
        }
        return recovered.size === kinds.length;
      }, 15_000).catch(() => undefined);
    } finally {
      await load.stop();
    }
    const samples = load.samples;
    expect([...recovered.keys()].sort()).toEqual(kinds.map((k) => k.name).sort());
    // While it recovered, nothing but right answers and fail-closed refusals.
    const wrong = samples.filter((s) => !(s.status === 200 && s.correct) && notFailClosed(s) !== null);
    expect(wrong).toEqual([]);

    process.stdout.write(
      `[postgres-outage-load] ready_503_after_ms=${figures.readyMs?.toFixed(0)} outage_answers=${figures.outageAnswers} ` +
        `slowest_outage_answer_ms=${figures.slowestOutageMs?.toFixed(0)} ready_200_after_ms=${figures.ready200Ms?.toFixed(0)} ` +
        `recovered_ms=${JSON.stringify(Object.fromEntries([...recovered].map(([k, v]) => [k, Math.round(v)])))}\n`,
    );
  });
});
