import { errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { TOKEN_PURPOSES, type TokenPurpose, type VerifiedToken } from './types.ts';

/** The longest token `verify` will parse: ours are well under 1 KB, so anything bigger is refused unread. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** Leeway, in seconds, for `exp`, `nbf` and `iat` between hosts whose clocks drift. */
export const CLOCK_TOLERANCE_SECONDS = 5;

// Key-carrying and extension headers: jose ignores the key ones for a symmetric key, but a token of ours never
// has them, so one that does was not made by this signer (RFC 8725 §3.10 warns against trusting them).
const FORBIDDEN_HEADER_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'];

/** What `verifyToken` checks a token against. */
export interface VerifyContext {
  key: Uint8Array;
  issuer: string;
  audience: string;
  now: () => number;
}

/**
 * Verifies an HS256 token against `context` and reads its claims.
 * Returns null for anything that is not a valid, current token of this issuer and audience; never throws on
 * bad input.
 */
export async function verifyToken(token: unknown, context: VerifyContext): Promise<VerifiedToken | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const nowMs = context.now();
  let verified: { payload: JWTPayload; protectedHeader: ProtectedHeaderParameters };
  try {
    verified = await jwtVerify(token, context.key, {
      // RFC 8725 §3.1: pin the algorithm so "none" or another HMAC size can never be chosen by the token.
      algorithms: ['HS256'],
      issuer: context.issuer,
      audience: context.audience,
      currentDate: new Date(nowMs),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
  } catch (error) {
    // jose reports every defect of the token itself as a JOSEError; anything else is a bug of ours.
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
  if (!isAcceptableHeader(verified.protectedHeader)) return null;
  return readClaims(verified.payload, nowMs);
}

function isAcceptableHeader(header: ProtectedHeaderParameters): boolean {
  if (FORBIDDEN_HEADER_PARAMETERS.some((name) => Object.hasOwn(header, name))) return false;
  return !Object.hasOwn(header, 'typ') || header.typ === 'JWT';
}

function readClaims(payload: JWTPayload, nowMs: number): VerifiedToken | null {
  const { sub, jti, email, iat, exp, purpose } = payload;
  if (!isNonEmptyString(sub) || !isNonEmptyString(jti) || !isNonEmptyString(email)) return null;
  if (typeof iat !== 'number' || typeof exp !== 'number') return null;
  // A token issued in the future would outlive a later `tokens_valid_after` cut-off.
  if (iat * 1000 > nowMs + CLOCK_TOLERANCE_SECONDS * 1000) return null;
  if (!isTokenPurpose(purpose)) return null;
  return {
    userId: sub,
    email,
    jti,
    issuedAtMs: issuedAtMs(iat, payload.iat_ms),
    expiresAt: new Date(exp * 1000),
    purpose,
  };
}

// `iat` has whole seconds only; `iat_ms` keeps the millisecond, trusted only when it agrees with `iat`.
function issuedAtMs(iat: number, iatMs: unknown): number {
  if (typeof iatMs === 'number' && Number.isFinite(iatMs) && Math.abs(iatMs - iat * 1000) < 1000)
    return iatMs;
  return iat * 1000;
}

function isTokenPurpose(value: unknown): value is TokenPurpose {
  return typeof value === 'string' && (TOKEN_PURPOSES as readonly string[]).includes(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
