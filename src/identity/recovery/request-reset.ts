import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UserRecord } from '../../store/index.ts';
import type { RequestContext } from '../audit.ts';
import { checkIpLimit, recordIpFailure } from '../auth/ip-limit.ts';
import { canonicalEmail } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import { hashResetToken, newResetToken } from './reset-token.ts';

/** The one answer to every forgot-password request. */
export const FORGOT_PASSWORD_MESSAGE = 'If this email is registered, a reset link has been sent';

/** The link a reset mail carries: always from PUBLIC_BASE_URL, never from request headers. */
export function resetLink(ctx: IdentityContext, token: string): string {
  return `${ctx.settings.publicBaseUrl.replace(/\/+$/, '')}/admin/reset-password/${token}`;
}

/** Makes a reset token for `user` (older outstanding ones stop working) and returns its link. */
export async function issueResetLink(
  ctx: IdentityContext,
  user: UserRecord,
  context: RequestContext,
): Promise<string> {
  const token = newResetToken();
  const now = ctx.now();
  await ctx.store.passwordResets.createReplacingOutstanding(
    {
      id: randomUUID(),
      userId: user.id,
      tokenHash: hashResetToken(token),
      expiresAt: new Date(now.getTime() + ctx.settings.passwordResetTokenExpiryMinutes * 60_000),
      ipAddress: context.ip ?? null,
      userAgent: context.userAgent ?? null,
    },
    now,
  );
  return resetLink(ctx, token);
}

async function handleRequest(
  ctx: IdentityContext,
  email: string | null,
  context: RequestContext,
): Promise<void> {
  const user = email ? await ctx.store.users.findByEmail(email) : null;
  const windowMs = ctx.settings.passwordResetRateWindowMinutes * 60_000;
  const count = email ? await ctx.rateLimit.hit(`password-reset:${email}`, windowMs) : 0;
  if (count > ctx.settings.passwordResetRateLimit) {
    await ctx.audit.record(
      { type: 'password_reset_rate_limited', success: false, userId: user?.id, userEmail: email },
      context,
    );
    return;
  }
  // A locked account may reset: whoever locked it must not keep its owner out.
  // A file user's password lives in AUTH_USER_FILE: a reset here would be undone by the next reload.
  if (!user || !user.isActive || user.source === 'file') {
    const reason = !user ? 'unknown_user' : user.isActive ? 'managed_by_file' : 'disabled';
    await ctx.audit.record(
      {
        type: 'password_reset_requested',
        success: false,
        userEmail: email,
        details: { reason },
      },
      context,
    );
    return;
  }
  const link = await issueResetLink(ctx, user, context);
  await ctx.notifier.passwordResetRequested(user.email, link, ctx.settings.passwordResetTokenExpiryMinutes);
  await ctx.audit.record(
    {
      type: 'password_reset_requested',
      success: true,
      userId: user.id,
      userEmail: user.email,
      details: { mail: ctx.settings.smtpEnabled },
    },
    context,
  );
}

/**
 * Handles POST /auth/email/forgot-password. Whatever the address (registered, unknown, locked,
 * disabled, over its per-address limit), the caller gets the same answer no sooner than
 * PASSWORD_RESET_MIN_RESPONSE_MS. The token, the queued mail and the audit event are stored before
 * that answer, so an answered request survives a crash. Returns `rate_limited` only for an IP over
 * the per-IP limit; rejects when the database fails (the caller should ask again).
 */
export async function requestPasswordReset(
  ctx: IdentityContext,
  rawEmail: unknown,
  context: RequestContext & { ip: string },
): Promise<{ kind: 'accepted' } | { kind: 'rate_limited'; retryAfterSeconds: number }> {
  const started = performance.now();
  const limit = await checkIpLimit(ctx, context.ip);
  if (limit.blocked) return { kind: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
  // Each request counts toward the per-IP limit, so one address cannot mail-bomb many accounts.
  await recordIpFailure(ctx, context.ip);
  const email = canonicalEmail(rawEmail);
  // Awaited, not left to run after the answer: a crash right after "a reset link has been sent"
  // must not lose the link. The floor hides how long this took (a few ms, against 250 by default),
  // and a failure is answered no sooner either.
  try {
    await handleRequest(ctx, email, context);
  } finally {
    const wait = ctx.settings.passwordResetMinResponseMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
  return { kind: 'accepted' };
}
