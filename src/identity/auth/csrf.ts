import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { IdentityContext } from '../context.ts';

/** The key of browser-session CSRF tokens, derived from the JWT secret (so every replica agrees). */
export function deriveSessionKey(jwtSecret: string): string {
  return Buffer.from(hkdfSync('sha256', jwtSecret, 'gatehouse', 'browser-session-csrf', 32)).toString(
    'base64url',
  );
}

/** The CSRF token of a browser session: bound to the session token's id, useless without it. */
export function csrfTokenFor(ctx: IdentityContext, sessionJti: string): string {
  return createHmac('sha256', ctx.sessionKey).update(sessionJti).digest('base64url');
}

/** True when `given` is the CSRF token of the session `sessionJti`; constant time. */
export function isCsrfTokenOf(ctx: IdentityContext, sessionJti: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(ctx, sessionJti));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
