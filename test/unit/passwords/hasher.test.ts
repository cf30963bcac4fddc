import { type Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import {
  createPasswordHasher,
  createPasswordPolicy,
  HashingOverloadedError,
  PASSWORD_MAX_BYTES,
  type PasswordHasherOptions,
} from '../../../src/identity/passwords/index.ts';

// Far below what the settings schema allows, to keep unit tests fast.
const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
// Algorithm is an ambient const enum that type stripping cannot inline; the annotations check the values.
const ARGON2I: Algorithm.Argon2i = 1;
const ARGON2D: Algorithm.Argon2d = 0;
// The settings defaults (OWASP's Argon2id recommendation).
const DEFAULTS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

function makeHasher(overrides: Partial<PasswordHasherOptions> = {}) {
  return createPasswordHasher({ ...FAST, maxConcurrent: 4, queueTimeoutMs: 10_000, ...overrides });
}

/** A bcryptjs hash (cost 4) carrying the given `$2a$`, `$2b$` or `$2y$` prefix. */
function bcryptHash(password: string, prefix: string): string {
  const salt = prefix + bcrypt.genSaltSync(4).slice(prefix.length);
  const phc = bcrypt.hashSync(password, salt);
  expect(phc.startsWith(prefix)).toBe(true);
  return phc;
}

describe('createPasswordHasher', () => {
  it('hashes to an Argon2id PHC string with the configured m, t and p', async () => {
    const phc = await makeHasher().hash('a perfectly fine passphrase');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('verifies the password it hashed and refuses another', async () => {
    const hasher = makeHasher();
    const phc = await hasher.hash('a perfectly fine passphrase');
    expect(await hasher.verify(phc, 'a perfectly fine passphrase')).toBe(true);
    expect(await hasher.verify(phc, 'a perfectly fine passphrasE')).toBe(false);
  });

  it('accepts an emoji password of 15 code points, hashes it and verifies it', async () => {
    const password = '🦊🌲🔥🎸🚲🍕🌈🐙🎲🧩🚀🌊🍄🎯🦉';
    expect([...password].length).toBe(15);
    const policy = createPasswordPolicy({
      minLength: 15,
      maxLength: 256,
      requireUppercase: false,
      requireLowercase: false,
      requireNumbers: false,
      requireSpecial: false,
    });
    expect(policy.check(password)).toEqual([]);
    const hasher = makeHasher();
    const phc = await hasher.hash(password);
    expect(await hasher.verify(phc, password)).toBe(true);
  });

  it('does not verify two 200-character passwords that differ only at character 100 against each other', async () => {
    const first = 'abcdefghij'.repeat(20);
    const second = `${first.slice(0, 99)}Z${first.slice(100)}`;
    expect(second).toHaveLength(200);
    const hasher = makeHasher();
    const [firstHash, secondHash] = await Promise.all([hasher.hash(first), hasher.hash(second)]);
    expect(await hasher.verify(firstHash, second)).toBe(false);
    expect(await hasher.verify(secondHash, first)).toBe(false);
    expect(await hasher.verify(firstHash, first)).toBe(true);
  });

  it('verifies an Argon2id hash against the NFKC-equivalent spelling of its password', async () => {
    const hasher = makeHasher();
    const phc = await hasher.hash('ﬁne ｆｕｌｌｗｉｄｔｈ passphrase');
    expect(await hasher.verify(phc, 'fine fullwidth passphrase')).toBe(true);
  });

  it('throws TypeError when hashing a password over 1024 bytes', async () => {
    const hasher = makeHasher();
    await expect(hasher.hash('é'.repeat(PASSWORD_MAX_BYTES / 2 + 1))).rejects.toThrow(TypeError);
    await expect(hasher.hash('x'.repeat(PASSWORD_MAX_BYTES))).resolves.toMatch(/^\$argon2id\$/);
  });

  it('returns false for a 1 MB password without entering the limiter', async () => {
    // One slot and no waiting: while a hash holds the slot, anything that enters the limiter is refused.
    const hasher = makeHasher({ maxConcurrent: 1, queueTimeoutMs: 0 });
    const phc = await hasher.hash('the stored password');
    const busy = hasher.hash('holds the only slot');
    const huge = hasher.verify(phc, 'x'.repeat(1024 * 1024));
    const normal = hasher.verify(phc, 'the stored password');
    await expect(huge).resolves.toBe(false);
    await expect(normal).rejects.toBeInstanceOf(HashingOverloadedError);
    await busy;
  });

  for (const prefix of ['$2a$', '$2b$', '$2y$']) {
    it(`verifies a bcryptjs ${prefix} hash and reports needsRehash true`, async () => {
      const hasher = makeHasher();
      const phc = bcryptHash('imported from the old system', prefix);
      expect(await hasher.verify(phc, 'imported from the old system')).toBe(true);
      expect(await hasher.verify(phc, 'imported from the new system')).toBe(false);
      expect(hasher.needsRehash(phc)).toBe(true);
    });
  }

  it('verifies a bcrypt hash against the raw password, not its NFKC form', async () => {
    const hasher = makeHasher();
    const phc = bcryptHash('ｆｕｌｌｗｉｄｔｈ', '$2b$');
    expect(await hasher.verify(phc, 'ｆｕｌｌｗｉｄｔｈ')).toBe(true);
    expect(await hasher.verify(phc, 'fullwidth')).toBe(false);
  });

  it('reports needsRehash true for an Argon2id hash made with other parameters and false for the same parameters', async () => {
    const hasher = makeHasher(DEFAULTS);
    const current = await hasher.hash('a perfectly fine passphrase');
    expect(hasher.needsRehash(current)).toBe(false);
    const others = await Promise.all([
      makeHasher().hash('a perfectly fine passphrase'),
      makeHasher({ ...DEFAULTS, timeCost: 3 }).hash('a perfectly fine passphrase'),
      makeHasher({ ...DEFAULTS, parallelism: 2 }).hash('a perfectly fine passphrase'),
    ]);
    for (const phc of others) expect(hasher.needsRehash(phc)).toBe(true);
  });

  it('verifies argon2i and argon2d hashes and reports needsRehash true for them', async () => {
    const hasher = makeHasher();
    for (const [algorithm, prefix] of [
      [ARGON2I, '$argon2i$'],
      [ARGON2D, '$argon2d$'],
    ] as const) {
      const phc = await argon2Hash('an older variant', { ...FAST, algorithm });
      expect(phc.startsWith(prefix)).toBe(true);
      expect(await hasher.verify(phc, 'an older variant')).toBe(true);
      expect(hasher.needsRehash(phc)).toBe(true);
    }
  });

  it('verifies a malformed hash or an unknown scheme as false without throwing', async () => {
    const hasher = makeHasher();
    const valid = await hasher.hash('a perfectly fine passphrase');
    const malformed = [
      '',
      'a perfectly fine passphrase',
      valid.slice(0, -5),
      `${valid}$extra`,
      valid.replace('$v=19$', '$v=nineteen$'),
      '$argon2id$v=19$m=1024,t=1,p=1$c2hvcnQ$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo', // salt under 8 bytes
      '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$YWI', // output under 4 bytes
      '$2b$04$tooshort',
      '$2b$99$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE',
      '$5$rounds=5000$saltsalt$hash',
      '$scrypt$ln=16,r=8,p=1$c29tZXNhbHQ$aGFzaA',
    ];
    for (const phc of malformed) {
      await expect(hasher.verify(phc, 'a perfectly fine passphrase'), phc).resolves.toBe(false);
    }
  });

  it('reports needsRehash true for a string that is no Argon2id hash', () => {
    const hasher = makeHasher();
    for (const phc of [
      '',
      'garbage',
      '$argon2id$v=19$m=1024,t=1,p=1$',
      '$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA',
    ]) {
      expect(hasher.needsRehash(phc), phc).toBe(true);
    }
  });

  it('resolves verifyDummy to false', async () => {
    const hasher = makeHasher();
    await expect(hasher.verifyDummy('whatever the unknown user typed')).resolves.toBe(false);
    await expect(hasher.verifyDummy('')).resolves.toBe(false);
  });

  it('throws TypeError for options that are not positive integers', () => {
    expect(() => makeHasher({ memoryCost: 0 })).toThrow(TypeError);
    expect(() => makeHasher({ timeCost: 1.5 })).toThrow(TypeError);
    expect(() => makeHasher({ maxConcurrent: 0 })).toThrow(TypeError);
  });
});
