import { describe, expect, it } from 'vitest';
import { createPasswordPolicy, type PasswordPolicyOptions } from '../../../src/identity/passwords/index.ts';

// The settings defaults: NIST SP 800-63B-4 lengths, no composition rules.
const DEFAULTS: PasswordPolicyOptions = {
  minLength: 15,
  maxLength: 256,
  requireUppercase: false,
  requireLowercase: false,
  requireNumbers: false,
  requireSpecial: false,
};

function makePolicy(overrides: Partial<PasswordPolicyOptions> = {}) {
  return createPasswordPolicy({ ...DEFAULTS, ...overrides });
}

describe('createPasswordPolicy', () => {
  it('refuses a 14-character password when the minimum is 15', () => {
    const password = 'quiet meadow 7';
    expect([...password]).toHaveLength(14);
    expect(makePolicy().check(password)).toEqual(['Password must be at least 15 characters']);
  });

  it('refuses a common password', () => {
    expect(makePolicy().check('passwordpassword')).toEqual(['Password is too common']);
  });

  it('refuses a common password in other case or with digits and punctuation appended', () => {
    const policy = makePolicy({ minLength: 8 });
    expect(policy.check('PassWordPassWord')).toEqual(['Password is too common']);
    expect(policy.check('password123!')).toEqual(['Password is too common']);
  });

  it('refuses a password containing the username, in any case', () => {
    expect(makePolicy().check('Marguerite loves tea', { username: 'marguerite' })).toEqual([
      'Password must not contain your username',
    ]);
  });

  it('refuses a password containing the local part of the e-mail address', () => {
    expect(makePolicy().check('ask henrietta about tea', { email: 'Henrietta@example.com' })).toEqual([
      'Password must not contain your e-mail address',
    ]);
  });

  it('refuses a password containing a part of the full name', () => {
    expect(makePolicy().check('tea with mister Fairfax', { fullName: 'Jane Fairfax' })).toEqual([
      'Password must not contain your name',
    ]);
  });

  it('refuses a password containing the name of this service', () => {
    expect(makePolicy().check('my GateHouse secret phrase')).toEqual([
      'Password must not contain the name of this service',
    ]);
  });

  it('ignores context words shorter than 4 characters', () => {
    const context = { username: 'bob', email: 'tea@example.com', fullName: 'Al Ng' };
    expect(makePolicy().check('bobsled teams sing al fresco', context)).toEqual([]);
  });

  it('accepts the 21-character lower-case passphrase "correct horse battery"', () => {
    expect(makePolicy().check('correct horse battery')).toEqual([]);
  });

  it('counts length in code points, not UTF-16 units', () => {
    const policy = makePolicy();
    expect(policy.check('🦊🌲🔥🎸🚲🍕🌈🐙🎲🧩🚀🌊🍄🎯')).toEqual(['Password must be at least 15 characters']);
    expect(policy.check('🦊🌲🔥🎸🚲🍕🌈🐙🎲🧩🚀🌊🍄🎯🦉')).toEqual([]);
  });

  it('refuses a password over maxLength characters instead of truncating it', () => {
    const policy = makePolicy({ maxLength: 64 });
    expect(policy.check('a long and winding road '.repeat(3).slice(0, 64))).toEqual([]);
    expect(policy.check('a long and winding road '.repeat(3).slice(0, 65))).toEqual([
      'Password must be at most 64 characters',
    ]);
  });

  it('refuses a 1 MB password with only the byte-limit violation', () => {
    expect(makePolicy().check('passwordpassword'.repeat(65_536), { username: 'password' })).toEqual([
      'Password must be at most 1024 bytes',
    ]);
  });

  it('refuses "correct horse battery staple" with requireUppercase on and accepts it with it off', () => {
    expect(makePolicy({ requireUppercase: true }).check('correct horse battery staple')).toEqual([
      'Password must contain an upper-case letter',
    ]);
    expect(makePolicy({ requireUppercase: false }).check('correct horse battery staple')).toEqual([]);
  });

  it('applies the lower-case, digit and special-character rules only when switched on, Unicode-aware', () => {
    const strict = makePolicy({ requireLowercase: true, requireNumbers: true, requireSpecial: true });
    expect(strict.check('ÉCOLE MATERNELLE DU PARC')).toEqual([
      'Password must contain a lower-case letter',
      'Password must contain a digit',
    ]);
    expect(strict.check('ÉCOLE MATERNELLE du parc ٣')).toEqual([]);
    expect(strict.check('écolematernelleduparc3')).toEqual([
      'Password must contain a character that is neither a letter nor a digit',
    ]);
    expect(makePolicy().check('ÉCOLE MATERNELLE DU PARC')).toEqual([]);
  });

  it('describes exactly its options, with rules that mention the min length', () => {
    const policy = makePolicy({ minLength: 20, maxLength: 128, requireNumbers: true });
    const description = policy.describe();
    expect(description).toEqual({
      min_length: 20,
      max_length: 128,
      max_bytes: 1024,
      require_uppercase: false,
      require_lowercase: false,
      require_numbers: true,
      require_special: false,
      blocks_common_passwords: true,
      blocks_context_words: true,
      rules: expect.any(Array),
    });
    expect(description.rules).toContain('At least 20 characters');
    expect(description.rules).toContain('At least one digit');
    expect(description.rules).not.toContain('At least one upper-case letter');
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it('throws TypeError for options of the wrong type or a maxLength under minLength', () => {
    expect(() => makePolicy({ minLength: 0 })).toThrow(TypeError);
    expect(() => makePolicy({ minLength: 30, maxLength: 20 })).toThrow(TypeError);
    expect(() => makePolicy({ requireSpecial: 'yes' as unknown as boolean })).toThrow(TypeError);
  });
});
