import { randomBytes } from 'node:crypto';
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { createLimiter } from './limiter.ts';

// @node-rs/argon2 declares Algorithm as an ambient const enum, which type stripping cannot inline;
// the annotation checks this copy of the value against the declaration.
const ARGON2ID: Algorithm.Argon2id = 2;

/** Longest password accepted, in UTF-8 bytes; longer input is refused before any hashing. */
export const PASSWORD_MAX_BYTES = 1024;

/** Argon2id parameters and hashing concurrency, as validated by the settings schema. */
export interface PasswordHasherOptions {
  /** Argon2id memory in KiB (`m`). */
  memoryCost: number;
  /** Argon2id iterations (`t`). */
  timeCost: number;
  /** Argon2id lanes (`p`). */
  parallelism: number;
  /** Hashes computed at once. */
  maxConcurrent: number;
  /** How long a hash may wait for a slot, in ms, before `HashingOverloadedError`. */
  queueTimeoutMs: number;
}

/**
 * Hashes and verifies passwords. Every hash and verify runs through a concurrency limiter, so under
 * overload they reject with `HashingOverloadedError` instead of exhausting memory.
 */
export interface PasswordHasher {
  /** The Argon2id PHC string of the NFKC-normalised password; TypeError over PASSWORD_MAX_BYTES. */
  hash(password: string): Promise<string>;
  /**
   * True only when the password matches the Argon2id hash (argon2i and argon2d too, so they can be
   * migrated) or bcrypt (`$2a$`, `$2b$`, `$2y$`) hash; false
   * for a malformed hash, an unknown scheme, or a password over PASSWORD_MAX_BYTES (checked first).
   */
  verify(phc: string, password: string): Promise<boolean>;
  /** True unless the hash is Argon2id v19 with exactly the configured m, t and p. */
  needsRehash(phc: string): boolean;
  /**
   * For unknown users: verifies against a hash of a random password, computed once on first use,
   * so it costs what `verify` costs. Always resolves false; under overload it rejects as `verify` does.
   */
  verifyDummy(password: string): Promise<false>;
}

interface Argon2Phc {
  variant: 'argon2id' | 'argon2i' | 'argon2d';
  version: number;
  m: number;
  t: number;
  p: number;
}

// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64 without padding; v= is absent before v19.
const ARGON2_PHC =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d{1,3})\$)?m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
// $2b$12$ then 22 characters of salt and 31 of hash, in bcrypt's own base64 alphabet.
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** The scheme and parameters of an Argon2 PHC string, or null when it is not one. */
function parseArgon2(phc: string): Argon2Phc | null {
  const match = ARGON2_PHC.exec(phc);
  if (match === null) return null;
  const [, variant, version, m, t, p] = match;
  return {
    variant: variant as Argon2Phc['variant'],
    version: version === undefined ? 16 : Number(version),
    m: Number(m),
    t: Number(t),
    p: Number(p),
  };
}

/** True when `phc` is an Argon2 PHC string or a bcrypt hash, the formats `verify` checks. */
export function isPasswordHash(phc: unknown): boolean {
  return typeof phc === 'string' && (BCRYPT.test(phc) || parseArgon2(phc) !== null);
}

function requirePositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return value;
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

/** True when the text is over PASSWORD_MAX_BYTES in UTF-8, found without encoding a huge string. */
export function isOverMaxBytes(password: string): boolean {
  // Each UTF-16 code unit is at least one UTF-8 byte.
  return password.length > PASSWORD_MAX_BYTES || Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES;
}

function isInvalidArgument(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === 'InvalidArg';
}

/**
 * Creates a password hasher with the given Argon2id parameters and concurrency limits. Throws
 * TypeError for options that are not positive integers (queueTimeoutMs may be 0).
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const memoryCost = requirePositiveInteger('memoryCost', options.memoryCost);
  const timeCost = requirePositiveInteger('timeCost', options.timeCost);
  const parallelism = requirePositiveInteger('parallelism', options.parallelism);
  const limiter = createLimiter({
    maxConcurrent: options.maxConcurrent,
    queueTimeoutMs: options.queueTimeoutMs,
  });
  let dummyHash: Promise<string> | null = null;

  async function hash(password: string): Promise<string> {
    requireString('password', password);
    if (isOverMaxBytes(password)) {
      throw new TypeError(`password is over ${PASSWORD_MAX_BYTES} bytes; check the policy first`);
    }
    // NIST SP 800-63B-4 §3.1.1.2: normalise with NFKC so each way of typing a character hashes alike.
    const normalised = password.normalize('NFKC');
    return limiter.run(() =>
      argon2Hash(normalised, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism }),
    );
  }

  async function verify(phc: string, password: string): Promise<boolean> {
    requireString('phc', phc);
    requireString('password', password);
    if (isOverMaxBytes(password)) return false;
    if (BCRYPT.test(phc)) {
      // Imported from systems that hashed the password as typed: no normalisation.
      return limiter.run(() => bcrypt.compare(password, phc));
    }
    if (parseArgon2(phc) === null) return false;
    const normalised = password.normalize('NFKC');
    return limiter.run(async () => {
      try {
        return await argon2Verify(phc, normalised);
      } catch (error) {
        // A string shaped like a PHC hash that argon2 still refuses (a salt too short, say).
        if (isInvalidArgument(error)) return false;
        throw error;
      }
    });
  }

  function needsRehash(phc: string): boolean {
    requireString('phc', phc);
    const parsed = parseArgon2(phc);
    if (parsed === null || parsed.variant !== 'argon2id' || parsed.version !== 19) return true;
    return parsed.m !== memoryCost || parsed.t !== timeCost || parsed.p !== parallelism;
  }

  function getDummyHash(): Promise<string> {
    dummyHash ??= hash(randomBytes(32).toString('base64url')).catch((error: unknown) => {
      dummyHash = null;
      throw error;
    });
    return dummyHash;
  }

  async function verifyDummy(password: string): Promise<false> {
    requireString('password', password);
    // As fast as verify() on the same input, so response time does not tell users apart.
    if (isOverMaxBytes(password)) return false;
    await verify(await getDummyHash(), password);
    return false;
  }

  return { hash, verify, needsRehash, verifyDummy };
}
