import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import { type Gatehouse, noSecretInLogs, remember, startGatehouse, USER_PASSWORD } from './harness.ts';
import { median, medianInterval, pairedDifferences, sampleRounds, type TimedClass } from './timing-stats.ts';

const WRONG_PASSWORD = remember('password', 'not the right passphrase at all');
// Over PASSWORD_MAX_BYTES: refused before any hashing. The reference for what a skipped hash
// looks like from outside, measured in the same run as everything else.
const OVERSIZED_PASSWORD = 'x'.repeat(2000);
/**
 * How a comparison is run: a class passes when its median difference from the baseline is under
 * `share` of the cost of a leak; rounds are added `batch` at a time, up to `maxRounds`, until
 * every class's interval is clearly inside or outside that band.
 */
interface Plan {
  share: number;
  batch: number;
  maxRounds: number;
}
// A login costs an Argon2id verify (tens of ms); a leak (a skipped hash) differs by all of it.
// A wrong password for a registered account also commits its failure count, one write more than
// an unknown account: about a millisecond, but up to a third of the hash on a loaded machine
// with PostgreSQL. FAILED_LOGIN_MIN_RESPONSE_MS (400 ms) hides that; the band here is half a hash.
const LOGIN_PLAN: Plan = { share: 1 / 2, batch: 20, maxRounds: 60 };
// Forgot-password stores the token, the queued mail and the audit event for a registered
// address before it answers (so a crash cannot lose an answered request), and lets the floor
// hide that work. A class that escaped the floor, or whose work outlasted it, differs by up to
// the whole floor.
const RESET_FLOOR_MS = 40;
const FORGOT_PLAN: Plan = { share: 1 / 8, batch: 20, maxRounds: 80 };

interface Verdict {
  share: number;
  /** What a leak would add, in ms. */
  cost: number;
  /** Each class's median difference from the baseline (paired by round), then each one's median. */
  medians: Record<string, number>;
  rounds: number;
}

/**
 * Samples `classes` (the first is the baseline) in rotating order until each class's median
 * difference from the baseline, paired by round, has a 95% interval wholly inside or wholly
 * outside ±share of the cost of a leak, or the plan's last round has run. `leak` is that cost in
 * ms, or a reference class (the baseline without the work that must be equal) whose difference
 * from the baseline, measured in the same rounds, is that cost.
 */
async function measure(
  plan: Plan,
  classes: readonly TimedClass[],
  leak: number | TimedClass,
  settle?: () => Promise<void>,
): Promise<Verdict> {
  const all = typeof leak === 'number' ? classes : [...classes, leak];
  const times = new Map<string, number[]>(all.map((c) => [c.name, []]));
  const baseline = classes[0]!.name;
  const costNow = () =>
    typeof leak === 'number'
      ? leak
      : Math.abs(median(pairedDifferences(times.get(baseline)!, times.get(leak.name)!)));
  const differences = (name: string) => pairedDifferences(times.get(name)!, times.get(baseline)!);
  for (let from = 0; from < plan.maxRounds; from += plan.batch) {
    const batch = await sampleRounds(all, { from, count: plan.batch }, settle);
    for (const [name, values] of batch) times.get(name)!.push(...values);
    const band = costNow() * plan.share;
    const decided = classes.slice(1).every(({ name }) => {
      // 95%: this only decides when to stop; the verdict is the median of every round.
      const [low, high] = medianInterval(differences(name), 1.96);
      return (low > -band && high < band) || low >= band || high <= -band;
    });
    if (decided) break;
  }
  const medians: Record<string, number> = {};
  for (const { name } of classes.slice(1)) medians[name] = median(differences(name));
  for (const [name, values] of times) medians[`${name} (absolute)`] = median(values);
  return { share: plan.share, cost: costNow(), medians, rounds: times.get(baseline)!.length };
}

/** Fails unless every class's median difference from the baseline is inside ±share of the cost. */
function expectNoSeparation(verdict: Verdict, label: string): void {
  const summary = `${label}: ${JSON.stringify(verdict, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`;
  process.stderr.write(`[timing] ${summary}\n`);
  for (const [name, difference] of Object.entries(verdict.medians)) {
    if (name.endsWith('(absolute)')) continue;
    expect(Math.abs(difference), `${name} vs baseline; ${summary}`).toBeLessThan(
      verdict.cost * verdict.share,
    );
  }
}

for (const dialect of DIALECTS) {
  describe(`response timing on ${dialect.name}`, () => {
    let g: Gatehouse;
    beforeAll(async () => {
      g = await startGatehouse(dialect, {
        mail: true,
        env: {
          // The login floor would hide unequal work: measure the work itself.
          FAILED_LOGIN_MIN_RESPONSE_MS: '0',
          PASSWORD_RESET_MIN_RESPONSE_MS: String(RESET_FLOOR_MS),
          // Every sample below is a failure; none may lock, limit or throttle the next.
          MAX_FAILED_LOGIN_ATTEMPTS: '1000',
          AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
          PASSWORD_RESET_RATE_LIMIT: '1000',
        },
      });
      for (const name of ['open', 'locked', 'disabled']) await g.addUser(`timing-${name}@example.com`);
      const users = g.t.store.users;
      const now = new Date();
      const locked = (await users.findByEmail('timing-locked@example.com'))!;
      await users.update(
        locked.id,
        { failedLoginAttempts: 5, lockedUntil: new Date(now.getTime() + 86_400_000) },
        now,
      );
      const disabled = (await users.findByEmail('timing-disabled@example.com'))!;
      await users.update(disabled.id, { isActive: false }, now);
    }, 90_000);
    afterAll(() => g?.close());

    const settle = () => g.t.identity.background.idle();

    it('does not tell an unknown account from a registered, a locked (right or wrong password) or a disabled one by login time', async () => {
      const login = (name: string, email: (round: number) => string, password: string): TimedClass => ({
        name,
        async send(round) {
          const answer = await g.request('POST', '/auth/email/login', {
            body: { email: email(round), password },
          });
          expect(answer.status, `${name}: ${answer.text}`).toBe(401);
          expect(answer.body).toEqual({ error: 'Unauthorized' });
        },
      });
      const verdict = await measure(
        LOGIN_PLAN,
        [
          login('unknown', (round) => `nobody${round}@example.com`, WRONG_PASSWORD),
          login('registered, wrong password', () => 'timing-open@example.com', WRONG_PASSWORD),
          login('locked, wrong password', () => 'timing-locked@example.com', WRONG_PASSWORD),
          login('locked, right password', () => 'timing-locked@example.com', USER_PASSWORD),
          login('disabled, right password', () => 'timing-disabled@example.com', USER_PASSWORD),
        ],
        login('unknown, no hash (reference)', (round) => `nobody${round}@example.com`, OVERSIZED_PASSWORD),
        settle,
      );
      // The reference must be measurable (Argon2id at the shipped parameters costs tens of ms even
      // on a fast machine), or the comparison proves nothing.
      expect(verdict.cost).toBeGreaterThan(5);
      expectNoSeparation(verdict, `${dialect.name} login`);
    }, 120_000);

    it('does not tell an unknown address from a registered, a locked or a disabled one by forgot-password time (the floor hides the reset work)', async () => {
      const forgot = (name: string, email: (round: number) => string): TimedClass => ({
        name,
        async send(round) {
          const answer = await g.request('POST', '/auth/email/forgot-password', {
            body: { email: email(round) },
          });
          expect(answer.status, `${name}: ${answer.text}`).toBe(200);
          expect(answer.body).toEqual({ message: 'If this email is registered, a reset link has been sent' });
        },
      });
      const verdict = await measure(
        FORGOT_PLAN,
        [
          forgot('unknown', (round) => `nobody${round}@example.com`),
          forgot('registered', () => 'timing-open@example.com'),
          forgot('locked', () => 'timing-locked@example.com'),
          forgot('disabled', () => 'timing-disabled@example.com'),
        ],
        RESET_FLOOR_MS,
        settle,
      );
      for (const [name, ms] of Object.entries(verdict.medians))
        if (name.endsWith('(absolute)')) expect(ms, name).toBeGreaterThanOrEqual(RESET_FLOOR_MS);
      expectNoSeparation(verdict, `${dialect.name} forgot-password`);
    }, 120_000);
  });
}

describe('timing statistics', () => {
  it('takes the median and a distribution-free interval around it', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const values = Array.from({ length: 100 }, (_, i) => i);
    const [low, high] = medianInterval(values);
    expect(low).toBeLessThan(49.5);
    expect(high).toBeGreaterThan(49.5);
    // 2.58 · √100 / 2 ≈ 13 ranks either side of the middle.
    expect([low, high]).toEqual([37, 62]);
    expect(() => medianInterval([1, 2, 3])).toThrow(TypeError);
    expect(pairedDifferences([5, 7], [1, 2])).toEqual([4, 5]);
  });
});

noSecretInLogs();
