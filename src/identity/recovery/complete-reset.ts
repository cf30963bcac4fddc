import { AppError } from '../../errors/index.ts';
import type { RequestContext } from '../audit.ts';
import { checkIpLimit, recordIpFailure } from '../auth/ip-limit.ts';
import { assertPasswordAcceptable } from '../auth/change-password.ts';
import type { IdentityContext } from '../context.ts';
import type { PasswordResetRecord } from '../../store/index.ts';
import { hashResetToken, isResetTokenShaped } from './reset-token.ts';
import { revokeDelegatedAccess } from '../users/revoke-delegated.ts';

async function usableToken(ctx: IdentityContext, token: unknown, ip: string): Promise<PasswordResetRecord> {
  const limit = await checkIpLimit(ctx, ip);
  if (limit.blocked)
    throw new AppError('rate_limited', { headers: { 'retry-after': String(limit.retryAfterSeconds) } });
  const record = isResetTokenShaped(token)
    ? await ctx.store.passwordResets.findUsable(hashResetToken(token), ctx.now())
    : null;
  if (!record) {
    // A wrong token is a failed authentication: guessing is throttled by the per-IP limit.
    await recordIpFailure(ctx, ip);
    throw new AppError('invalid_or_expired_token');
  }
  return record;
}

/** GET /auth/email/reset-password/{token}: when the token expires, or invalid_or_expired_token. */
export async function checkResetToken(
  ctx: IdentityContext,
  token: unknown,
  ip: string,
): Promise<{ expiresAt: Date }> {
  const record = await usableToken(ctx, token, ip);
  return { expiresAt: record.expiresAt };
}

/**
 * POST /auth/email/reset-password/{token}: sets the new password, clears the lockout and the
 * forced-change flag, ends every session when PASSWORD_RESET_INVALIDATE_SESSIONS, uses up every
 * reset token of the user and sends a confirmation. Does not log the user in.
 */
export async function completePasswordReset(
  ctx: IdentityContext,
  token: unknown,
  input: { newPassword: unknown; confirmPassword: unknown },
  context: RequestContext & { ip: string },
): Promise<void> {
  const record = await usableToken(ctx, token, context.ip);
  if (input.newPassword !== input.confirmPassword) throw new AppError('passwords_do_not_match');
  const user = await ctx.store.users.findById(record.userId);
  if (!user || !user.isActive) throw new AppError('invalid_or_expired_token');
  assertPasswordAcceptable(ctx, input.newPassword, user);
  const passwordHash = await ctx.hasher.hash(input.newPassword);
  const now = ctx.now();
  // Single use: of two requests racing with one token, only one consumes it.
  if (!(await ctx.store.passwordResets.consume(record.id, now)))
    throw new AppError('invalid_or_expired_token');
  await ctx.store.users.update(
    user.id,
    {
      passwordHash,
      passwordChangedAt: now,
      passwordChangeRequired: false,
      failedLoginAttempts: 0,
      lockedUntil: null,
      tokensValidAfter: ctx.settings.passwordResetInvalidateSessions ? now : undefined,
    },
    now,
  );
  await ctx.store.passwordResets.markAllUsed(user.id, now);
  await revokeDelegatedAccess(ctx, user.id);
  await ctx.audit.record(
    { type: 'password_reset_completed', success: true, userId: user.id, userEmail: user.email },
    context,
  );
  // Queued before the answer, like the audit event: an answered reset must not lose its notice.
  await ctx.notifier.passwordResetCompleted(user.email, now);
}
