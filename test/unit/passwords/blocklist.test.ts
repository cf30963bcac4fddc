import { describe, expect, it } from 'vitest';
import { isCommonPassword } from '../../../src/identity/passwords/index.ts';

describe('isCommonPassword', () => {
  it('finds listed passwords whatever their case', () => {
    expect(isCommonPassword('passwordpassword')).toBe(true);
    expect(isCommonPassword('PasswordPassword')).toBe(true);
    expect(isCommonPassword('1qaz2wsx3edc4rfv')).toBe(true);
  });

  it('finds a listed password followed by digits, punctuation or symbols', () => {
    expect(isCommonPassword('iloveyou')).toBe(true);
    expect(isCommonPassword('ILoveYou2024!')).toBe(true);
    expect(isCommonPassword('iloveyou 1234567 #')).toBe(true);
  });

  it('does not find passphrases that are not on the list', () => {
    expect(isCommonPassword('correct horse battery staple')).toBe(false);
    expect(isCommonPassword('iloveyou but not on mondays')).toBe(false);
    expect(isCommonPassword('')).toBe(false);
  });

  it('strips a long run of trailing digits in linear time', () => {
    const started = performance.now();
    expect(isCommonPassword(`iloveyou${'1'.repeat(200_000)}`)).toBe(true);
    expect(isCommonPassword(`${'1'.repeat(200_000)}x`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
