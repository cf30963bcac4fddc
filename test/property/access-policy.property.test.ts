import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  canUseBackend,
  canUseTool,
  matchesGlob,
  parseAccessPolicy,
  type ToolRule,
  visibleBackends,
} from '../../src/identity/access/index.ts';

// A small alphabet, so that generated names, patterns and policies actually meet.
const BACKEND = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'a.b', 'x-1');
const TOOL = fc.stringMatching(/^[a-c_]{1,6}$/);
const PATTERN = fc.stringMatching(/^[a-c_*?]{1,6}$/);
const RULE: fc.Arbitrary<ToolRule> = fc.record({
  backend: fc.oneof(BACKEND, fc.constant('*')),
  allow: fc.array(PATTERN, { maxLength: 2 }),
  deny: fc.array(PATTERN, { maxLength: 2 }),
});
const POLICY: fc.Arbitrary<AccessPolicy> = fc.record({
  allowedMcps: fc.uniqueArray(BACKEND, { maxLength: 3 }),
  blockedMcps: fc.uniqueArray(BACKEND, { maxLength: 2 }),
  toolRules: fc.array(RULE, { maxLength: 3 }),
});
const POLICIES = fc.array(POLICY, { minLength: 1, maxLength: 3 });

/** A plain dynamic-programming glob matcher over code points: the meaning `*` and `?` should have. */
function referenceGlob(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  let row = [true, ...t.map(() => false)];
  for (const c of p) {
    const next = [c === '*' && row[0] === true];
    for (let j = 1; j <= t.length; j += 1) {
      next[j] =
        c === '*'
          ? row[j] === true || next[j - 1] === true
          : row[j - 1] === true && (c === '?' || c === t[j - 1]);
    }
    row = next;
  }
  return row[t.length] === true;
}

describe('the access-policy function (property)', () => {
  it('refuses a blocked backend and all its tools, whatever else any policy allows', () => {
    fc.assert(
      fc.property(POLICIES, fc.nat(), BACKEND, TOOL, (policies, which, backend, tool) => {
        const blocking = policies[which % policies.length]!;
        const blocked = [...policies];
        blocked[which % policies.length] = { ...blocking, blockedMcps: [...blocking.blockedMcps, backend] };
        expect(canUseBackend(blocked, backend)).toBe(false);
        expect(canUseTool(blocked, backend, tool)).toBe(false);
        expect(visibleBackends(blocked, [backend])).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('allows every validly named backend when allowedMcps and blockedMcps are empty', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
        fc.array(RULE, { maxLength: 3 }),
        (backend, toolRules) => {
          expect(canUseBackend([{ allowedMcps: [], blockedMcps: [], toolRules }], backend)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('allows a backend exactly when every policy lists it (or lists nothing) and none blocks it', () => {
    fc.assert(
      fc.property(POLICIES, BACKEND, (policies, backend) => {
        const expected = policies.every(
          (p) =>
            (p.allowedMcps.length === 0 || p.allowedMcps.includes(backend)) &&
            !p.blockedMcps.includes(backend),
        );
        expect(canUseBackend(policies, backend)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('lets a deny pattern win over any allow pattern, in the backend rule or a * rule', () => {
    fc.assert(
      fc.property(POLICY, BACKEND, TOOL, fc.boolean(), (policy, backend, tool, wildcard) => {
        const open = { ...policy, allowedMcps: [], blockedMcps: [] };
        const denying = {
          ...open,
          toolRules: [
            ...open.toolRules,
            { backend: wildcard ? '*' : backend, allow: [tool, '*'], deny: [tool] },
          ],
        };
        expect(canUseTool([denying], backend, tool)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('only narrows: adding a policy (a key scope) never allows what the others refuse, in any order', () => {
    fc.assert(
      fc.property(POLICIES, POLICY, BACKEND, TOOL, (policies, scope, backend, tool) => {
        const narrowed = [...policies, scope];
        if (canUseBackend(narrowed, backend)) expect(canUseBackend(policies, backend)).toBe(true);
        if (canUseTool(narrowed, backend, tool)) expect(canUseTool(policies, backend, tool)).toBe(true);
        expect(canUseTool([scope, ...policies], backend, tool)).toBe(canUseTool(narrowed, backend, tool));
      }),
      { numRuns: 2000 },
    );
  });

  it('allows a tool exactly as the rules read: no deny match, and an allow match when any applying rule allows', () => {
    fc.assert(
      fc.property(POLICY, BACKEND, TOOL, (policy, backend, tool) => {
        const open = { ...policy, allowedMcps: [], blockedMcps: [] };
        const rules = open.toolRules.filter((r) => r.backend === backend || r.backend === '*');
        const denied = rules.some((r) => (r.deny ?? []).some((p) => referenceGlob(p, tool)));
        const allow = rules.flatMap((r) => r.allow ?? []);
        const expected = !denied && (allow.length === 0 || allow.some((p) => referenceGlob(p, tool)));
        expect(canUseTool([open], backend, tool)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on untrusted input to parseAccessPolicy, and what it accepts round-trips through JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), POLICY as fc.Arbitrary<unknown>), (raw) => {
        const policy = parseAccessPolicy(raw);
        if (policy === null) return;
        expect(parseAccessPolicy(JSON.parse(JSON.stringify(policy)))).toEqual(policy);
        canUseTool([policy], 'alpha', 'a');
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a tool pattern with a control character or a line separator anywhere in it', () => {
    const control = fc
      .oneof(
        fc.integer({ min: 0, max: 0x1f }),
        fc.integer({ min: 0x7f, max: 0x9f }),
        fc.constantFrom(0x2028, 0x2029),
      )
      .map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(PATTERN, control, fc.nat(), (pattern, c, at) => {
        const cut = at % (pattern.length + 1);
        const bad = `${pattern.slice(0, cut)}${c}${pattern.slice(cut)}`;
        expect(parseAccessPolicy({ toolRules: [{ backend: '*', allow: [bad] }] })).toBeNull();
        expect(parseAccessPolicy({ toolRules: [{ backend: '*', deny: [bad] }] })).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('reads no inherited or __proto__ property when parsing a policy', () => {
    fc.assert(
      fc.property(POLICY, (policy) => {
        const polluted = JSON.parse(
          `{"__proto__":{"blockedMcps":["alpha"]},"allowedMcps":${JSON.stringify(policy.allowedMcps)}}`,
        );
        expect(parseAccessPolicy(polluted)).toBeNull();
        const inherited = Object.create({ blockedMcps: ['alpha'] }) as Record<string, unknown>;
        expect(parseAccessPolicy(inherited)).toBeNull();
      }),
      { numRuns: 100 },
    );
  });
});

describe('glob patterns (property)', () => {
  it('match exactly as a reference matcher does, for any pattern and text', () => {
    const unit = fc.constantFrom('a', 'b', '*', '?', '.', '\\', '(', '$', '😀', '\n');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '.', '😀', '\n', '*', '?'), maxLength: 16 }),
        (pattern, text) => {
          fc.pre(pattern.length > 0);
          expect(matchesGlob(pattern, text)).toBe(referenceGlob(pattern, text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('complete on hostile patterns of policy size (128) against tool names of the longest accepted size (1024)', () => {
    const hostilePattern = fc
      .tuple(
        fc.integer({ min: 1, max: 63 }),
        fc.constantFrom('a*', 'a?*', '*a', '?*', 'ab*'),
        fc.constantFrom('b', 'c', '?b', ''),
      )
      .map(([n, piece, tail]) => `${piece.repeat(n)}${tail}`.slice(0, 128));
    const nearMiss = fc
      .tuple(fc.integer({ min: 0, max: 1023 }), fc.constantFrom('a', 'ab', 'aab'))
      .map(([n, piece]) => piece.repeat(Math.ceil(1024 / piece.length)).slice(0, 1024 - (n % 8)));
    fc.assert(
      fc.property(hostilePattern, nearMiss, (pattern, text) => {
        expect(matchesGlob(pattern, text)).toBe(referenceGlob(pattern, text));
        const policy: AccessPolicy = {
          allowedMcps: [],
          blockedMcps: [],
          toolRules: [{ backend: '*', allow: [pattern], deny: [pattern.replace(/b$/, 'c')] }],
        };
        canUseTool([policy], 'alpha', text);
      }),
      { numRuns: 300 },
    );
    // The classic catastrophic case: a*a*…a*b against a long run of a.
    const classic = `${'a*'.repeat(63)}b`;
    expect(matchesGlob(classic, 'a'.repeat(1024))).toBe(false);
  }, 120_000);
});
