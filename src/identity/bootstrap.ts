import { randomUUID } from 'node:crypto';
import type { UserPatch } from '../store/index.ts';
import type { RequestContext } from './audit.ts';
import { assertPasswordAcceptable } from './auth/change-password.ts';
import { canonicalEmail, canonicalUsername } from './canonical.ts';
import type { IdentityContext } from './context.ts';
import { generatePassword } from './secrets.ts';
import { assertDefinedInDatabase } from './users/file-managed.ts';

const FINGERPRINT_KEY = 'platform_admin_password_fingerprint';
const SYSTEM: RequestContext = { actorEmail: 'system:bootstrap' };

/** What start-up did about the platform admin. */
export type BootstrapOutcome =
  | { action: 'created'; email: string; generatedPassword: string | null }
  | { action: 'password_applied'; email: string }
  | { action: 'unchanged'; email: string }
  /** The platform admin is defined in AUTH_USER_FILE, which owns its password: nothing applied. */
  | { action: 'managed_by_file'; email: string };

/** The change that gives an account back to its admin: new password, unlocked, enabled, admin, other sessions ended. */
function restoredAdmin(passwordHash: string, now: Date): UserPatch {
  return {
    passwordHash,
    passwordChangedAt: now,
    passwordChangeRequired: false,
    failedLoginAttempts: 0,
    lockedUntil: null,
    isActive: true,
    isAdmin: true,
    tokensValidAfter: now,
  };
}

/**
 * Makes sure the platform admin (PLATFORM_ADMIN_EMAIL) exists, at every start.
 * - Absent: creates it with PLATFORM_ADMIN_PASSWORD, or a generated password the caller prints once.
 * - Present, and PLATFORM_ADMIN_PASSWORD differs from the one applied last time: applies it,
 *   unlocks, re-enables and makes the account admin again (the Helm recovery path), and audits it.
 * - Present, same password as last time: leaves the account alone, so a password the admin later
 *   changed through the UI or API is not reverted.
 * - Defined in AUTH_USER_FILE: leaves it alone (`managed_by_file`); the file owns its password.
 * Only an Argon2id hash of the applied password is kept (`settings`), never the password.
 */
export async function ensurePlatformAdmin(ctx: IdentityContext): Promise<BootstrapOutcome> {
  const email = canonicalEmail(ctx.settings.platformAdminEmail);
  if (!email) throw new TypeError('PLATFORM_ADMIN_EMAIL passed settings validation but is not canonical');
  const configured = ctx.settings.platformAdminPassword;
  const existing = await ctx.store.users.findByEmail(email);

  if (!existing) {
    const password = configured ?? generatePassword();
    const username = canonicalUsername(email) ?? email;
    assertPasswordAcceptable(ctx, password, { email, username });
    const now = ctx.now();
    const created = await ctx.store.users.create(
      {
        id: randomUUID(),
        email,
        username,
        fullName: 'Platform admin',
        passwordHash: await ctx.hasher.hash(password),
        isAdmin: true,
      },
      now,
    );
    if (!created) return { action: 'unchanged', email }; // another replica created it first
    if (configured) await ctx.store.settings.set(FINGERPRINT_KEY, await ctx.hasher.hash(configured));
    await ctx.audit.record(
      {
        type: 'bootstrap_admin_created',
        success: true,
        userId: created.id,
        userEmail: email,
        details: { generated: !configured },
      },
      SYSTEM,
    );
    return { action: 'created', email, generatedPassword: configured ? null : password };
  }

  if (existing.source === 'file') return { action: 'managed_by_file', email };
  if (configured === undefined) return { action: 'unchanged', email };
  const fingerprint = await ctx.store.settings.get(FINGERPRINT_KEY);
  if (fingerprint !== null && (await ctx.hasher.verify(fingerprint, configured)))
    return { action: 'unchanged', email };

  assertPasswordAcceptable(ctx, configured, existing);
  const now = ctx.now();
  await ctx.store.users.update(existing.id, restoredAdmin(await ctx.hasher.hash(configured), now), now);
  await ctx.store.settings.set(FINGERPRINT_KEY, await ctx.hasher.hash(configured));
  await ctx.audit.record(
    { type: 'bootstrap_password_applied', success: true, userId: existing.id, userEmail: email },
    SYSTEM,
  );
  return { action: 'password_applied', email };
}

/**
 * Break-glass recovery (`gatehouse recover-admin`): sets the password of `email`, unlocks it,
 * re-enables it, makes it admin and clears the forced-change flag; creates the account if it is
 * gone. Works with the server stopped or running. Every other session of the account dies.
 * Audited with `context` (the CLI passes the operating-system user who ran it).
 */
export async function recoverAdmin(
  ctx: IdentityContext,
  rawEmail: unknown,
  password: string,
  context: RequestContext = { actorEmail: 'system:recover-admin' },
): Promise<{ email: string; created: boolean }> {
  const email = canonicalEmail(rawEmail);
  if (!email) throw new TypeError('recoverAdmin: not an e-mail address');
  const existing = await ctx.store.users.findByEmail(email);
  if (existing) assertDefinedInDatabase(existing);
  assertPasswordAcceptable(ctx, password, existing ?? { email, username: canonicalUsername(email) ?? email });
  const passwordHash = await ctx.hasher.hash(password);
  const now = ctx.now();
  if (!existing) {
    const created = await ctx.store.users.create(
      { id: randomUUID(), email, username: canonicalUsername(email) ?? email, passwordHash, isAdmin: true },
      now,
    );
    await ctx.audit.record(
      {
        type: 'break_glass_recovery',
        success: true,
        userId: created?.id,
        userEmail: email,
        details: { created: true },
      },
      context,
    );
    return { email, created: true };
  }
  await ctx.store.users.update(existing.id, restoredAdmin(passwordHash, now), now);
  await ctx.audit.record(
    { type: 'break_glass_recovery', success: true, userId: existing.id, userEmail: email },
    context,
  );
  return { email, created: false };
}
