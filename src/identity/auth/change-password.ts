import { AppError } from '../../errors/index.ts';
import type { UserRecord } from '../../store/index.ts';
import type { RequestContext } from '../audit.ts';
import type { IdentityContext } from '../context.ts';
import type { IssuedToken } from '../tokens/index.ts';
import { assertDefinedInDatabase } from '../users/file-managed.ts';
import { revokeDelegatedAccess } from '../users/revoke-delegated.ts';
import type { Authenticated } from './authenticate.ts';
import { recordIpFailure } from './ip-limit.ts';

/** Throws password_policy with every violation when `password` breaks the policy. */
export function assertPasswordAcceptable(
  ctx: IdentityContext,
  password: unknown,
  context: { email?: string; username?: string; fullName?: string | null },
): asserts password is string {
  const violations =
    typeof password === 'string'
      ? ctx.policy.check(password, { ...context, fullName: context.fullName ?? undefined })
      : ['Password is required'];
  if (violations.length > 0) throw new AppError('password_policy', { details: { violations } });
}

/**
 * Changes the caller's own password: the current one must match, the new one must pass the
 * policy. Every other session and token of the user dies (`tokens_valid_after`); returns a fresh
 * access token and the updated user. Works with the limited token of a forced change.
 */
export async function changePassword(
  ctx: IdentityContext,
  caller: Authenticated,
  input: { oldPassword: unknown; newPassword: unknown },
  context: RequestContext & { ip: string },
): Promise<{ token: IssuedToken; user: UserRecord }> {
  if (caller.bootstrapAdmin) throw new AppError('forbidden');
  const { user } = caller;
  assertDefinedInDatabase(user);
  const oldPassword = typeof input.oldPassword === 'string' ? input.oldPassword : '';
  if (!(await ctx.hasher.verify(user.passwordHash, oldPassword))) {
    await recordIpFailure(ctx, context.ip);
    await ctx.audit.record(
      { type: 'password_change_failed', success: false, userId: user.id, userEmail: user.email },
      context,
    );
    throw new AppError('invalid_current_password');
  }
  assertPasswordAcceptable(ctx, input.newPassword, user);
  const passwordHash = await ctx.hasher.hash(input.newPassword);
  const now = ctx.now();
  const updated = await ctx.store.users.update(
    user.id,
    {
      passwordHash,
      passwordChangedAt: now,
      passwordChangeRequired: false,
      tokensValidAfter: now,
      failedLoginAttempts: 0,
      lockedUntil: null,
    },
    now,
  );
  await revokeDelegatedAccess(ctx, user.id);
  await ctx.audit.record(
    { type: 'password_changed', success: true, userId: user.id, userEmail: user.email },
    context,
  );
  return { token: await ctx.signer.issue(user), user: updated ?? user };
}
