import { setTimeout as sleep } from 'node:timers/promises';
import type { UserRecord } from '../../store/index.ts';
import type { RequestContext } from '../audit.ts';
import { canonicalEmail, hasMailbox } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import { PASSWORD_MAX_BYTES } from '../passwords/index.ts';
import type { IssuedToken } from '../tokens/index.ts';
import { findUserByIdentifier } from '../users/find-user.ts';
import { isLocked } from '../users/view.ts';
import { issueResetLink } from '../recovery/request-reset.ts';
import { checkIpLimit, recordIpFailure } from './ip-limit.ts';

/** How long the limited token of a forced password change lives. */
export const PASSWORD_CHANGE_TOKEN_TTL_SECONDS = 10 * 60;

/** The outcome of a login attempt. Rejections never say why; the reason is only audited. */
export type LoginResult =
  | { kind: 'ok'; token: IssuedToken; user: UserRecord }
  | { kind: 'password_change_required'; token: IssuedToken; user: UserRecord }
  | { kind: 'rejected' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * Checks a password login (`identifier` is an email or a username). Unknown user, wrong
 * password, locked and disabled accounts all come back as `rejected` after the same work (a
 * real or dummy Argon2id verify) and no sooner than FAILED_LOGIN_MIN_RESPONSE_MS. Counts the
 * failure per account (lockout) and per client IP, and checks both again once the hash is done,
 * so attempts sent in parallel are judged no more often than attempts sent one by one. Throws
 * HashingOverloadedError when no hashing slot frees up in time. `ttlSeconds` overrides the access
 * token's lifetime (the MCP `authenticate_user` tool issues 24-hour session tokens).
 */
export async function login(
  ctx: IdentityContext,
  credentials: { identifier: unknown; password: unknown },
  context: RequestContext & { ip: string },
  options: { ttlSeconds?: number } = {},
): Promise<LoginResult> {
  const started = performance.now();
  const limit = await checkIpLimit(ctx, context.ip);
  if (limit.blocked) {
    await ctx.audit.record({ type: 'login_rate_limited', success: false }, context);
    return { kind: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
  }

  const identifier = typeof credentials.identifier === 'string' ? credentials.identifier : '';
  const password = typeof credentials.password === 'string' ? credentials.password : '';
  const user = await findUserByIdentifier(ctx, identifier);
  const oversized = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES;

  // Same work whatever the account's state, so timing tells nothing.
  const matches = user && !oversized ? await ctx.hasher.verify(user.passwordHash, password) : false;
  if (!user && !oversized) await ctx.hasher.verifyDummy(password);

  // The hash waited for a slot: attempts sent in parallel all passed the checks above before any
  // of them failed. Check again with what they have counted since, so a burst is judged no more
  // often than the per-IP limit and the lockout allow one attempt at a time.
  const limitAfter = await checkIpLimit(ctx, context.ip);
  if (limitAfter.blocked) {
    await ctx.audit.record({ type: 'login_rate_limited', success: false }, context);
    return { kind: 'rate_limited', retryAfterSeconds: limitAfter.retryAfterSeconds };
  }
  const account = user ? await ctx.store.users.findById(user.id) : null;

  const now = ctx.now();
  let reason: string | null = null;
  if (!user || !account) reason = 'unknown_user';
  else if (!account.isActive) reason = 'disabled';
  else if (isLocked(account, now)) reason = 'locked';
  // A password changed meanwhile: the one that matched is no longer the account's.
  else if (!matches || account.passwordHash !== user.passwordHash) reason = 'wrong_password';

  if (reason !== null || !user || !account) {
    await recordIpFailure(ctx, context.ip);
    if (user && reason === 'wrong_password') await countAccountFailure(ctx, user, context);
    await ctx.audit.record(
      {
        type: 'login_failed',
        success: false,
        userId: user?.id,
        userEmail: user?.email ?? canonicalEmail(identifier),
        details: { reason },
      },
      context,
    );
    const floor = ctx.settings.failedLoginMinResponseMs - (performance.now() - started);
    if (floor > 0) await sleep(floor);
    return { kind: 'rejected' };
  }

  const upgraded = ctx.hasher.needsRehash(user.passwordHash) ? await ctx.hasher.hash(password) : undefined;
  const updated =
    (await ctx.store.users.update(
      user.id,
      { failedLoginAttempts: 0, lockedUntil: null, lastLogin: now, passwordHash: upgraded },
      now,
    )) ?? user;
  if (upgraded)
    await ctx.audit.record(
      { type: 'password_rehashed', success: true, userId: user.id, userEmail: user.email },
      context,
    );

  if (updated.passwordChangeRequired) {
    const token = await ctx.signer.issue(updated, {
      purpose: 'password_change',
      ttlSeconds: PASSWORD_CHANGE_TOKEN_TTL_SECONDS,
    });
    await ctx.audit.record(
      { type: 'login_password_change_required', success: true, userId: user.id, userEmail: user.email },
      context,
    );
    return { kind: 'password_change_required', token, user: updated };
  }
  const token = await ctx.signer.issue(updated, { ttlSeconds: options.ttlSeconds });
  await ctx.audit.record(
    { type: 'login_success', success: true, userId: user.id, userEmail: user.email },
    context,
  );
  return { kind: 'ok', token, user: updated };
}

async function countAccountFailure(
  ctx: IdentityContext,
  user: UserRecord,
  context: RequestContext,
): Promise<void> {
  const now = ctx.now();
  const outcome = await ctx.store.users.recordFailedLogin(user.id, {
    maxAttempts: ctx.settings.maxFailedLoginAttempts,
    lockUntil: new Date(now.getTime() + ctx.settings.accountLockoutDurationMinutes * 60_000),
    now,
  });
  if (!outcome.lockedNow) return;
  await ctx.audit.record(
    {
      type: 'account_locked',
      success: false,
      userId: user.id,
      userEmail: user.email,
      details: { attempts: outcome.attempts, locked_until: outcome.lockedUntil?.toISOString() },
    },
    context,
  );
  for (const listener of ctx.accountLockedListeners) {
    listener({ ...user, lockedUntil: outcome.lockedUntil }, context);
  }
  if (ctx.settings.accountLockoutNotificationEnabled && outcome.lockedUntil && hasMailbox(user.email)) {
    const lockedUntil = outcome.lockedUntil;
    // The owner learns of the lock at once, with a way back in that the attacker cannot block
    // (none for a file user: their password lives in AUTH_USER_FILE).
    const resettable = ctx.settings.passwordResetEnabled && user.source === 'database';
    ctx.background.run(async () => {
      const link = resettable ? await issueResetLink(ctx, user, context) : null;
      await ctx.notifier.accountLocked(user.email, lockedUntil, link);
    });
  }
}
