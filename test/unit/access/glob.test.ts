import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob } from '../../../src/identity/access/index.ts';
import { GLOB_CACHE_LIMIT, GLOB_MAX_LENGTH, isGlobCached } from '../../../src/identity/access/glob.ts';

interface MatchRow {
  name: string;
  pattern: string;
  text: string;
  expected: boolean;
}

/** A plain dynamic-programming glob matcher over code points, to check the RegExp against. */
function referenceMatch(pattern: string, text: string): boolean {
  const p = [...pattern];
  const t = [...text];
  // row[j]: whether the pattern so far matches the first j characters of the text
  let row = t.map(() => false);
  row.unshift(true);
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

describe('matchesGlob', () => {
  it.each<MatchRow>([
    { name: 'a literal pattern matches itself', pattern: 'get_user', text: 'get_user', expected: true },
    { name: 'a literal pattern is anchored at the end', pattern: 'get', text: 'get_user', expected: false },
    {
      name: 'a literal pattern is anchored at the start',
      pattern: 'user',
      text: 'get_user',
      expected: false,
    },
    { name: 'the empty pattern matches only the empty text', pattern: '', text: 'x', expected: false },
    { name: '* matches the empty text', pattern: '*', text: '', expected: true },
    { name: '* matches any text', pattern: '*', text: 'anything at all', expected: true },
    { name: '* matches across newlines', pattern: 'a*b', text: 'a\n\nb', expected: true },
    {
      name: 'a trailing * matches a prefixed name',
      pattern: 'delete_*',
      text: 'delete_user',
      expected: true,
    },
    { name: 'a trailing * matches no characters', pattern: 'delete_*', text: 'delete_', expected: true },
    { name: 'a trailing * needs the prefix', pattern: 'delete_*', text: 'undelete_user', expected: false },
    { name: 'a leading * matches a suffixed name', pattern: '*_user', text: 'get_user', expected: true },
    {
      name: 'a leading * needs the suffix at the end',
      pattern: '*_user',
      text: 'get_users',
      expected: false,
    },
    { name: 'stars around a word find it inside', pattern: '*user*', text: 'get_user_list', expected: true },
    { name: 'several stars keep their segments in order', pattern: 'a*b*c', text: 'aXbYc', expected: true },
    { name: 'several stars refuse segments out of order', pattern: 'a*b*c', text: 'aXcYb', expected: false },
    { name: 'a segment may repeat after a star', pattern: '*ab*ab', text: 'abab', expected: true },
    { name: '? matches exactly one character', pattern: 'get_?', text: 'get_a', expected: true },
    { name: '? does not match no character', pattern: 'get_?', text: 'get_', expected: false },
    { name: '? does not match two characters', pattern: 'get_?', text: 'get_ab', expected: false },
    { name: '? matches one astral code point', pattern: '?', text: '🦊', expected: true },
    { name: '? matches a newline', pattern: 'a?b', text: 'a\nb', expected: true },
    { name: '? and * combine', pattern: '?et_*', text: 'set_user', expected: true },
    { name: '. is literal, not any character', pattern: 'a.b', text: 'axb', expected: false },
    { name: '. matches a dot', pattern: 'a.b', text: 'a.b', expected: true },
    { name: 'parentheses are literal', pattern: '(x)', text: '(x)', expected: true },
    { name: 'parentheses are not a group', pattern: '(x)', text: 'x', expected: false },
    { name: 'brackets are not a class', pattern: '[ab]', text: 'a', expected: false },
    { name: 'brackets are literal', pattern: '[ab]', text: '[ab]', expected: true },
    { name: '+ is literal', pattern: 'a+', text: 'aa', expected: false },
    { name: '| is not an alternation', pattern: 'a|b', text: 'a', expected: false },
    { name: 'braces are not a quantifier', pattern: 'x{2}', text: 'xx', expected: false },
    { name: '^ and $ are literal', pattern: '^a$', text: '^a$', expected: true },
    { name: 'a backslash is literal', pattern: '\\d', text: '1', expected: false },
    { name: 'a backslash matches itself', pattern: '\\d', text: '\\d', expected: true },
    { name: 'slashes and dashes are literal', pattern: 'a-b/c', text: 'a-b/c', expected: true },
    { name: 'matching is case-sensitive', pattern: 'Delete_*', text: 'delete_user', expected: false },
  ])('$name ($pattern against $text: $expected)', ({ pattern, text, expected }) => {
    expect(matchesGlob(pattern, text)).toBe(expected);
  });

  it.each([
    { name: 'a number', text: 42 },
    { name: 'null', text: null },
    { name: 'undefined', text: undefined },
    { name: 'an object', text: { toString: () => 'get_user' } },
  ])('returns false for a text that is $name', ({ text }) => {
    expect(matchesGlob('*', text as unknown as string)).toBe(false);
  });

  it.each<MatchRow & { maxMs: number }>([
    {
      name: '10,000 stars against 10,000 characters',
      pattern: '*'.repeat(10_000),
      text: 'x'.repeat(10_000),
      expected: true,
      maxMs: 1000,
    },
    {
      name: '10,000 stars and a missing letter against 10,000 characters',
      pattern: `${'*'.repeat(10_000)}y`,
      text: 'x'.repeat(10_000),
      expected: false,
      maxMs: 1000,
    },
    {
      name: '500 star-separated letters and a near miss (the classic ReDoS shape)',
      pattern: `${'*a'.repeat(500)}b`,
      text: 'a'.repeat(10_000),
      expected: false,
      maxMs: 1000,
    },
    {
      name: '1,000 question marks against 1,000 characters',
      pattern: '?'.repeat(1000),
      text: 'x'.repeat(1000),
      expected: true,
      maxMs: 1000,
    },
  ])('finishes $name within $maxMs ms', ({ pattern, text, expected, maxMs }) => {
    const started = performance.now();
    expect(matchesGlob(pattern, text)).toBe(expected);
    expect(performance.now() - started).toBeLessThan(maxMs);
  });

  it('agrees with a dynamic-programming matcher on 3000 random patterns and texts', () => {
    let seed = 0x2545f491;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = (alphabet: string, max: number): string =>
      Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join('');
    const disagreements: string[] = [];
    for (let i = 0; i < 3000; i += 1) {
      const pattern = pick('ab*?.', 8);
      const text = pick('ab.', 10);
      if (matchesGlob(pattern, text) !== referenceMatch(pattern, text))
        disagreements.push(`${pattern} ${text}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('globToRegExp', () => {
  it('returns a new RegExp on each call, so recompiling one leaves the others and matchesGlob alone', () => {
    const mine = globToRegExp('fresh_?');
    expect(globToRegExp('fresh_?')).not.toBe(mine);
    mine.compile('.*');
    expect(globToRegExp('fresh_?').test('anything')).toBe(false);
    expect(matchesGlob('fresh_?', 'anything')).toBe(false);
    expect(matchesGlob('fresh_?', 'fresh_1')).toBe(true);
  });

  it('collapses a run of stars into one', () => {
    expect(globToRegExp('a***b*****').source).toBe(globToRegExp('a*b*').source);
  });

  it('keeps at most GLOB_CACHE_LIMIT patterns, dropping the least recently used', () => {
    matchesGlob('lru_first', '');
    matchesGlob('lru_second', '');
    for (let i = 0; i < GLOB_CACHE_LIMIT - 2; i += 1) matchesGlob(`lru_fill_${i}`, '');
    matchesGlob('lru_first', '');
    matchesGlob('lru_one_more', '');
    expect(isGlobCached('lru_first')).toBe(true);
    expect(isGlobCached('lru_one_more')).toBe(true);
    expect(isGlobCached('lru_second')).toBe(false);
    expect(isGlobCached('lru_fill_0')).toBe(true);
  });

  it.each([
    { name: 'exactly GLOB_MAX_LENGTH characters', pattern: 'a'.repeat(GLOB_MAX_LENGTH) },
    {
      name: 'a long run of stars that collapses under the limit',
      pattern: `${'*'.repeat(10_000)}${'a'.repeat(1000)}`,
    },
  ])('accepts a pattern of $name', ({ pattern }) => {
    expect(globToRegExp(pattern)).toBeInstanceOf(RegExp);
  });

  it.each([
    { name: 'a number', pattern: 42 },
    { name: 'null', pattern: null },
    { name: 'undefined', pattern: undefined },
    { name: 'over GLOB_MAX_LENGTH characters', pattern: 'a'.repeat(GLOB_MAX_LENGTH + 1) },
    { name: 'over GLOB_MAX_LENGTH characters once stars collapse', pattern: '*a'.repeat(GLOB_MAX_LENGTH) },
  ])('throws TypeError for a pattern that is $name', ({ pattern }) => {
    expect(() => globToRegExp(pattern as unknown as string)).toThrow(TypeError);
    expect(() => matchesGlob(pattern as unknown as string, 'a')).toThrow(TypeError);
  });
});
