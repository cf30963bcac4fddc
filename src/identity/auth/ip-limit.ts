import type { IdentityContext } from '../context.ts';

const key = (ip: string) => `auth-failures:${ip}`;

/**
 * Whether `ip` has used up its failed authentications (AUTH_RATE_LIMIT_MAX_ATTEMPTS per
 * AUTH_RATE_LIMIT_WINDOW_MINUTES); `retryAfterSeconds` says when it may try again.
 */
export function checkIpLimit(
  ctx: IdentityContext,
  ip: string,
): Promise<{ blocked: boolean; retryAfterSeconds: number }> {
  const { authRateLimitMaxAttempts, authRateLimitWindowMinutes } = ctx.settings;
  return ctx.rateLimit.check(key(ip), authRateLimitMaxAttempts, authRateLimitWindowMinutes * 60_000);
}

/** Counts one failed authentication of any kind (password, token, key) from `ip`. */
export async function recordIpFailure(ctx: IdentityContext, ip: string): Promise<void> {
  await ctx.rateLimit.hit(key(ip), ctx.settings.authRateLimitWindowMinutes * 60_000);
}
