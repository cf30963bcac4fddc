import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  TOKEN_PURPOSES,
  type IssuedToken,
  type IssueOptions,
  type TokenSigner,
  type TokenSignerOptions,
  type TokenSubject,
} from './types.ts';
import { verifyToken } from './verify.ts';

/** The shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;

// 128 bits from the CSPRNG, so token ids never collide and cannot be guessed.
const JTI_BYTES = 16;

/**
 * Creates a signer for HS256 access tokens with the given issuer, audience and default lifetime.
 * Throws TypeError on a secret shorter than 32 bytes or any other malformed option.
 */
export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const { secret, issuer, audience, defaultTtlSeconds, now = Date.now } = options;
  if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new TypeError(`createTokenSigner: secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (!isNonEmptyString(issuer)) throw new TypeError('createTokenSigner: issuer must be a non-empty string');
  if (!isNonEmptyString(audience))
    throw new TypeError('createTokenSigner: audience must be a non-empty string');
  assertTtl(defaultTtlSeconds, 'defaultTtlSeconds');
  if (typeof now !== 'function') throw new TypeError('createTokenSigner: now must be a function');
  const key = new TextEncoder().encode(secret);

  return {
    async issue(subject: TokenSubject, issueOptions: IssueOptions = {}): Promise<IssuedToken> {
      if (!isNonEmptyString(subject?.id) || !isNonEmptyString(subject?.email)) {
        throw new TypeError('issue: subject needs a non-empty id and email');
      }
      const ttlSeconds = issueOptions.ttlSeconds ?? defaultTtlSeconds;
      assertTtl(ttlSeconds, 'ttlSeconds');
      const purpose = issueOptions.purpose ?? 'access';
      if (!TOKEN_PURPOSES.includes(purpose)) throw new TypeError(`issue: unknown purpose ${String(purpose)}`);
      const issuedAtMs = now();
      if (!Number.isFinite(issuedAtMs)) throw new TypeError('issue: the clock returned a non-finite time');
      const iat = Math.floor(issuedAtMs / 1000);
      const exp = iat + ttlSeconds;
      const jti = randomBytes(JTI_BYTES).toString('base64url');
      const token = await new SignJWT({ email: subject.email, iat_ms: issuedAtMs, purpose })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject.id)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { token, jti, issuedAtMs, expiresAt: new Date(exp * 1000), expiresIn: ttlSeconds };
    },

    verify(token: string) {
      return verifyToken(token, { key, issuer, audience, now });
    },
  };
}

function assertTtl(value: unknown, name: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new TypeError(`${name} must be a positive whole number of seconds`);
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
