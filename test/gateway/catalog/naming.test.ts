import { describe, expect, it } from 'vitest';
import {
  exposedName,
  isExposedName,
  isPrefixMode,
  isValidSeparator,
  MAX_EXPOSED_NAME_LENGTH,
} from '../../../src/gateway/catalog/index.ts';

const VALID = /^[A-Za-z0-9_.-]{1,64}$/;
const LONG_TOOL = 'github__create_pull_request_review_comment_reply_with_suggestions_for_each_changed_file';

describe('exposedName', () => {
  it.each([
    { name: 'a valid name is kept', full: 'github__search_issues', expected: 'github__search_issues' },
    { name: 'dots and dashes are kept', full: 'files.read-v2', expected: 'files.read-v2' },
    { name: 'exactly 64 characters is kept', full: 'x'.repeat(64), expected: 'x'.repeat(64) },
    {
      name: '65 characters keep a 55-character head and a hash suffix',
      full: 'x'.repeat(65),
      expected: `${'x'.repeat(55)}_9537c5fd`,
    },
    {
      name: 'an over-long prefixed name keeps the prefix in its head',
      full: LONG_TOOL,
      expected: 'github__create_pull_request_review_comment_reply_with_s_afee7d99',
    },
    {
      name: 'a slash and a space become _ and force the suffix',
      full: 'weather/forecast today',
      expected: 'weather_forecast_today_33789d3c',
    },
    { name: 'an emoji is one code point, so one _', full: 'say 👋', expected: 'say___9ca2fd87' },
    { name: 'the empty name becomes _ and the hash of nothing', full: '', expected: '_e3b0c442' },
  ])('$name', ({ full, expected }) => {
    expect(exposedName(full)).toBe(expected);
  });

  it('gives a name that differs only by an invalid character its own exposed name', () => {
    expect(exposedName('a_b')).toBe('a_b');
    expect(exposedName('a b')).not.toBe('a_b');
    expect(exposedName('a b')).not.toBe(exposedName('a/b'));
  });

  it('keeps the names of long tools that share their first 64 characters apart', () => {
    const head = 'y'.repeat(70);
    expect(exposedName(`${head}_one`)).not.toBe(exposedName(`${head}_two`));
  });

  it('always returns a name of at most 64 characters from the allowed set', () => {
    const samples = [
      '',
      ' ',
      'ü'.repeat(100),
      '👋'.repeat(40),
      'a'.repeat(1000),
      'tool\u0000name',
      '\ud800lone surrogate',
      'path/to/{thing}?q=1#x',
      `${'b'.repeat(60)} ${'c'.repeat(10)}`,
    ];
    for (const sample of samples) {
      const name = exposedName(sample);
      expect(name.length).toBeLessThanOrEqual(MAX_EXPOSED_NAME_LENGTH);
      expect(name).toMatch(VALID);
      expect(isExposedName(name)).toBe(true);
    }
  });

  it('returns the same name on every call', () => {
    expect(exposedName(LONG_TOOL)).toBe(exposedName(LONG_TOOL));
    expect(exposedName('say 👋')).toBe(exposedName('say 👋'));
  });

  it('throws TypeError for a name that is not a string', () => {
    expect(() => exposedName(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('isValidSeparator', () => {
  it.each([
    { value: '__', expected: true },
    { value: '_', expected: true },
    { value: '-', expected: true },
    { value: '-_-_', expected: true },
    { value: '_____', expected: false },
    { value: '', expected: false },
    { value: '.', expected: false },
    { value: '::', expected: false },
    { value: '/', expected: false },
    { value: 'x', expected: false },
    { value: 2, expected: false },
  ])('$value -> $expected', ({ value, expected }) => {
    expect(isValidSeparator(value)).toBe(expected);
  });
});

describe('isPrefixMode and isExposedName', () => {
  it.each([
    { value: 'always', expected: true },
    { value: 'conditional', expected: true },
    { value: 'never', expected: true },
    { value: 'Always', expected: false },
    { value: '', expected: false },
    { value: null, expected: false },
  ])('isPrefixMode($value) is $expected', ({ value, expected }) => {
    expect(isPrefixMode(value)).toBe(expected);
  });

  it.each([
    { value: 'a', expected: true },
    { value: 'x'.repeat(64), expected: true },
    { value: 'x'.repeat(65), expected: false },
    { value: '', expected: false },
    { value: 'a b', expected: false },
    { value: 'é', expected: false },
    { value: undefined, expected: false },
  ])('isExposedName($value) is $expected', ({ value, expected }) => {
    expect(isExposedName(value)).toBe(expected);
  });
});
