import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { loadClient, type Outcome, report, rssKiB, tally } from './load-client.ts';

const ADMIN_PASSWORD = 'an operator passphrase for load';
const USER_PASSWORD = 'quiet harbour under amber skies';
const WRONG_PASSWORD = 'not the right passphrase at all';
// The shipped defaults, stated here because the assertions depend on them.
const IP_LIMIT = 10;
const LOCKOUT_AFTER = 5;
const HASH_SLOTS = 4;
const ANSWERED = new Set([200, 401, 429, 503]);
// No login may wait longer than the hashing queue (3 s by default) plus the work itself.
const REQUEST_BOUND_MS = 20_000;
// One hashing slot for a whole burst: each waits for every hash before it.
const SERIAL_BOUND_MS = 40_000;
const RSS_BOUND_KIB = 400 * 1024;

const json = { 'content-type': 'application/json' };
const loginBody = (email: string, password: string) => JSON.stringify({ email, password });

/** Every outcome must be an HTTP answer with one of the statuses a login may give. */
function expectAllAnswered(outcomes: readonly Outcome[]): void {
  const unexpected = outcomes.filter((o) => o.kind !== 'answer' || !ANSWERED.has(o.status));
  expect(unexpected, JSON.stringify(tally(outcomes))).toEqual([]);
}

const statusOf = (outcome: Outcome) => (outcome.kind === 'answer' ? outcome.status : -1);

// Every dialect with limits in process memory; with Redis too, where the per-IP count is a round
// trip away (the replicas' setting).
const SETUPS = [
  ...DIALECTS.map((dialect) => ({ dialect, redis: false })),
  ...(TEST_REDIS_URL ? [{ dialect: DIALECTS[0]!, redis: true }] : []),
];

for (const { dialect, redis } of SETUPS) {
  const label = `${dialect.name}${redis ? ' with Redis' : ''}`;
  const redisEnv: Record<string, string> = redis
    ? { REDIS_URL: TEST_REDIS_URL!, REDIS_KEY_PREFIX: `gatehouse-load-${process.pid}-${Date.now()}:` }
    : {};
  describe(`parallel logins against a Gatehouse process on ${label}`, () => {
    let database: TestDatabase;
    let server: ServerProcess;
    let admin = '';

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : json) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const addUser = async (email: string) => {
      const created = await api('POST', '/auth/email/admin/users', { email, password: USER_PASSWORD });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    };
    const stillServing = async () => {
      expect(server.child.exitCode).toBeNull();
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    };

    beforeAll(async () => {
      database = await dialect.create();
      server = await startServerProcess({
        env: { DATABASE_URL: database.url, PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD, ...redisEnv },
      });
      const login = await fetch(`${server.baseUrl}/auth/email/login`, {
        method: 'POST',
        headers: json,
        body: loginBody('admin@example.com', ADMIN_PASSWORD),
      });
      admin = ((await login.json()) as { access_token: string }).access_token;
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('answers 200 parallel logins (right, wrong and unknown, six accounts, five client IPs) with 200, 401, 429 or 503 only, keeps serving, and stays under 400 MiB', async () => {
      for (let i = 0; i < 6; i += 1) await addUser(`load${i}@example.com`);
      const rssBefore = rssKiB(server.child.pid!);
      // 127.0.0.10 only ever sends right passwords of accounts nobody attacks: it must get in.
      const honest = loadClient(server.baseUrl, {
        sockets: 50,
        localAddress: '127.0.0.10',
        timeoutMs: REQUEST_BOUND_MS,
      });
      const attackers = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'].map((localAddress) =>
        loadClient(server.baseUrl, { sockets: 50, localAddress, timeoutMs: REQUEST_BOUND_MS }),
      );
      const honestCalls: Promise<Outcome>[] = [];
      const attackCalls: Promise<Outcome>[][] = attackers.map(() => []);
      for (let i = 0; i < 200; i += 1) {
        if (i % 5 === 0) {
          honestCalls.push(
            honest.send('POST', '/auth/email/login', {
              headers: json,
              body: loginBody(`load${i % 2}@example.com`, USER_PASSWORD),
            }),
          );
          continue;
        }
        const which = i % attackers.length;
        const [email, password] = (
          [
            [`load${2 + (i % 4)}@example.com`, WRONG_PASSWORD],
            [`load${2 + (i % 4)}@example.com`, USER_PASSWORD],
            [`nobody${i}@example.com`, USER_PASSWORD],
            [`load${2 + (i % 4)}`, WRONG_PASSWORD],
          ] as const
        )[Math.floor(i / attackers.length) % 4]!;
        attackCalls[which]!.push(
          attackers[which]!.send('POST', '/auth/email/login', {
            headers: json,
            body: loginBody(email, password),
          }),
        );
      }
      const started = performance.now();
      const honestOutcomes = await Promise.all(honestCalls);
      const attackOutcomes = await Promise.all(attackCalls.map((calls) => Promise.all(calls)));
      const wallMs = performance.now() - started;
      for (const client of [honest, ...attackers]) client.close();
      const all = [...honestOutcomes, ...attackOutcomes.flat()];
      expect(all).toHaveLength(200);
      expectAllAnswered(all);

      // Right passwords from an IP with no failures: in, unless no hashing slot freed up in time.
      expect(
        honestOutcomes.every((o) => [200, 503].includes(statusOf(o))),
        JSON.stringify(tally(honestOutcomes)),
      ).toBe(true);
      expect(honestOutcomes.some((o) => statusOf(o) === 200)).toBe(true);
      // Each attacking IP fails at most IP_LIMIT times (plus what was in a hashing slot when the
      // limit was reached); then 429.
      for (const outcomes of attackOutcomes) {
        const failed = outcomes.filter((o) => statusOf(o) === 401).length;
        expect(failed, JSON.stringify(tally(outcomes))).toBeLessThanOrEqual(IP_LIMIT + HASH_SLOTS);
      }
      await stillServing();
      const rssAfter = rssKiB(server.child.pid!);
      report(
        `${label}: 200 parallel logins in ${Math.round(wallMs)} ms, ${JSON.stringify(tally(all))}; ` +
          `RSS ${Math.round(rssBefore / 1024)} MiB before, ${Math.round(rssAfter / 1024)} MiB after`,
      );
      expect(rssAfter).toBeLessThan(RSS_BOUND_KIB);
    }, 60_000);

    it('judges at most AUTH_RATE_LIMIT_MAX_ATTEMPTS (plus the hashing slots) of a parallel burst from one IP; the rest get 429', async () => {
      const client = loadClient(server.baseUrl, {
        sockets: 60,
        localAddress: '127.0.0.20',
        timeoutMs: REQUEST_BOUND_MS,
      });
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          client.send('POST', '/auth/email/login', {
            headers: json,
            body: loginBody(`spray${i}@example.com`, WRONG_PASSWORD),
          }),
        ),
      );
      client.close();
      expectAllAnswered(outcomes);
      const counts = tally(outcomes);
      expect(counts['401'] ?? 0, JSON.stringify(counts)).toBeGreaterThanOrEqual(1);
      expect(counts['401'] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(IP_LIMIT + HASH_SLOTS);
      expect(counts['429'] ?? 0, JSON.stringify(counts)).toBeGreaterThan(0);
      await stillServing();
    }, 60_000);

    it('refuses the right password sent in the same burst as wrong guesses from many IPs once they have locked the account', async () => {
      // One hashing slot, so the order of judgement is the order of arrival and the owner's
      // login (read while the account was still open) is judged after the guesses locked it.
      const serial = await startServerProcess({
        env: {
          DATABASE_URL: database.url,
          ...redisEnv,
          PASSWORD_HASH_CONCURRENCY: '1',
          PASSWORD_HASH_QUEUE_TIMEOUT_MS: String(SERIAL_BOUND_MS),
        },
      });
      try {
        await addUser('victim@example.com');
        // One guess per client IP, so only the account's lockout stands in the way.
        // Enough guesses to lock the account three times over; each waits its turn for the slot.
        const guessers = Array.from({ length: 3 * LOCKOUT_AFTER }, (_, i) =>
          loadClient(serial.baseUrl, {
            sockets: 1,
            localAddress: `127.0.1.${i + 1}`,
            timeoutMs: SERIAL_BOUND_MS,
          }),
        );
        const owner = loadClient(serial.baseUrl, {
          sockets: 1,
          localAddress: '127.0.2.1',
          timeoutMs: SERIAL_BOUND_MS,
        });
        const guesses = guessers.map((client) =>
          client.send('POST', '/auth/email/login', {
            headers: json,
            body: loginBody('victim@example.com', WRONG_PASSWORD),
          }),
        );
        const right = await owner.send('POST', '/auth/email/login', {
          headers: json,
          body: loginBody('victim@example.com', USER_PASSWORD),
        });
        const outcomes = await Promise.all(guesses);
        for (const client of [...guessers, owner]) client.close();
        expectAllAnswered([...outcomes, right]);
        expect(outcomes.map(statusOf)).toEqual(outcomes.map(() => 401));
        expect(statusOf(right), JSON.stringify(tally([right]))).toBe(401);
        const victim = await api('GET', '/auth/email/admin/users/victim@example.com');
        expect(victim.body).toMatchObject({ is_locked: true });
        expect(Number(victim.body.failed_login_attempts)).toBeGreaterThanOrEqual(LOCKOUT_AFTER);
        expect(serial.child.exitCode).toBeNull();
      } finally {
        await serial.stop();
      }
    }, 60_000);
  });
}
