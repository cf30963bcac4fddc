import { randomSecret, sha256Hex } from '../secrets.ts';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new reset token: 256 random bits, base64url (43 characters). */
export function newResetToken(): string {
  return randomSecret();
}

/** The SHA-256 (hex) stored in place of a token. */
export function hashResetToken(token: string): string {
  return sha256Hex(token);
}

/** True when `token` has the shape of a token Gatehouse issues; anything else is refused unread. */
export function isResetTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_SHAPE.test(token);
}
