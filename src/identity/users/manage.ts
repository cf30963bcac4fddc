import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors/index.ts';
import type { UserPatch, UserRecord, UsersRepository } from '../../store/index.ts';
import { parseAccessPolicy } from '../access/index.ts';
import type { RequestContext } from '../audit.ts';
import { assertPasswordAcceptable } from '../auth/change-password.ts';
import { canonicalEmail, canonicalUsername, hasControlCharacter } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import { generatePassword } from '../secrets.ts';
import { assertDefinedInDatabase } from './file-managed.ts';
import { revokeDelegatedAccess } from './revoke-delegated.ts';

/** What an admin (or the CLI) may give when creating a user. */
export interface CreateUserInput {
  email: unknown;
  password: unknown;
  username?: unknown;
  fullName?: unknown;
  isAdmin?: boolean;
  isActive?: boolean;
  passwordChangeRequired?: boolean;
}

/** What an admin (or the CLI) may change. Absent fields stay as they are. */
export interface UpdateUserInput {
  fullName?: string | null;
  password?: unknown;
  passwordChangeRequired?: boolean;
  isAdmin?: boolean;
  isActive?: boolean;
}

// A full name reaches screens and mail; PostgreSQL cannot even store NUL.
function assertPrintableFullName(fullName: unknown): void {
  if (typeof fullName === 'string' && hasControlCharacter(fullName)) {
    throw new AppError('validation_failed', {
      details: { details: [{ field: 'full_name', message: 'must not contain control characters' }] },
    });
  }
}

const removesActiveAdmin = (user: UserRecord, next: { isAdmin?: boolean; isActive?: boolean }) =>
  user.isAdmin && user.isActive && (next.isAdmin === false || next.isActive === false);

async function assertNotLastAdmin(
  users: UsersRepository,
  user: UserRecord,
  next: { isAdmin?: boolean; isActive?: boolean },
) {
  if (removesActiveAdmin(user, next) && (await users.countActiveAdmins()) <= 1)
    throw new AppError('last_admin');
}

/** The user with this e-mail address; throws not_found. */
export async function getUserByEmail(ctx: IdentityContext, rawEmail: unknown): Promise<UserRecord> {
  const email = canonicalEmail(rawEmail);
  const user = email ? await ctx.store.users.findByEmail(email) : null;
  if (!user) throw new AppError('not_found', { message: 'User not found' });
  return user;
}

/** A page of users ordered by e-mail, and the cursor of the next page (null at the end). */
export async function listUsers(
  ctx: IdentityContext,
  options: { limit: number; cursor?: string },
): Promise<{ users: UserRecord[]; nextCursor: string | null }> {
  const users = await ctx.store.users.list({ limit: options.limit + 1, afterEmail: options.cursor });
  const page = users.slice(0, options.limit);
  return { users: page, nextCursor: users.length > options.limit ? (page.at(-1)?.email ?? null) : null };
}

/** Every user, by e-mail (all pages of listUsers). */
export async function listAllUsers(ctx: IdentityContext): Promise<UserRecord[]> {
  const all: UserRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listUsers(ctx, { limit: 500, cursor });
    all.push(...page.users);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/**
 * A user who authenticates with API keys only (the gateway-proxy `POST /users`): the password is
 * random and never shown, so password login is closed, while a reset by e-mail still works.
 */
export function createKeyOnlyUser(
  ctx: IdentityContext,
  input: Omit<CreateUserInput, 'password'>,
  context: RequestContext,
): Promise<UserRecord> {
  return createUser(ctx, { ...input, password: generatePassword() }, context);
}

/** Creates a user after checking the address, the username and the password policy. */
export async function createUser(
  ctx: IdentityContext,
  input: CreateUserInput,
  context: RequestContext,
): Promise<UserRecord> {
  const email = canonicalEmail(input.email);
  if (!email)
    throw new AppError('validation_failed', {
      details: { details: [{ field: 'email', message: 'must be an e-mail address' }] },
    });
  const username = canonicalUsername(input.username ?? email);
  if (!username) {
    throw new AppError('validation_failed', {
      details: { details: [{ field: 'username', message: 'must be 1-128 letters, digits or . _ @ + -' }] },
    });
  }
  assertPrintableFullName(input.fullName);
  const fullName = typeof input.fullName === 'string' ? input.fullName.trim().slice(0, 200) || null : null;
  assertPasswordAcceptable(ctx, input.password, { email, username, fullName });
  const passwordHash = await ctx.hasher.hash(input.password);
  const now = ctx.now();
  const user = await ctx.store.users.create(
    {
      id: randomUUID(),
      email,
      username,
      fullName,
      passwordHash,
      isAdmin: input.isAdmin ?? false,
      isActive: input.isActive ?? true,
      passwordChangeRequired: input.passwordChangeRequired ?? false,
    },
    now,
  );
  if (!user) throw new AppError('user_exists');
  await ctx.audit.record(
    {
      type: 'user_created',
      success: true,
      userId: user.id,
      userEmail: user.email,
      details: { is_admin: user.isAdmin },
    },
    context,
  );
  return user;
}

/**
 * Updates a user. A new password must pass the policy and, like deactivation, revokes the user's
 * sessions. Demoting or deactivating the last active admin fails with last_admin, decided inside
 * one transaction that holds the admin lock, so two concurrent demotions cannot both succeed.
 */
export async function updateUser(
  ctx: IdentityContext,
  rawEmail: unknown,
  input: UpdateUserInput,
  context: RequestContext,
): Promise<UserRecord> {
  const current = await getUserByEmail(ctx, rawEmail);
  assertDefinedInDatabase(current);
  assertPrintableFullName(input.fullName);
  if (input.password !== undefined) assertPasswordAcceptable(ctx, input.password, current);
  // Hash outside the transaction: Argon2id is slow and the admin lock should be brief.
  const passwordHash =
    input.password !== undefined ? await ctx.hasher.hash(input.password as string) : undefined;
  const now = ctx.now();
  const patch: UserPatch = {
    fullName: input.fullName,
    isAdmin: input.isAdmin,
    isActive: input.isActive,
    passwordChangeRequired: input.passwordChangeRequired,
  };
  if (passwordHash !== undefined) Object.assign(patch, { passwordHash, passwordChangedAt: now });
  if (passwordHash !== undefined || input.isActive === false) patch.tokensValidAfter = now;

  const updated = await ctx.store.users.withAdminLock(async (users) => {
    const user = await users.findById(current.id);
    if (!user) throw new AppError('not_found', { message: 'User not found' });
    await assertNotLastAdmin(users, user, input);
    return users.update(user.id, patch, now);
  });
  if (!updated) throw new AppError('not_found', { message: 'User not found' });
  if (patch.tokensValidAfter !== undefined) await revokeDelegatedAccess(ctx, updated.id);
  // Cached API key lookups carry the user's state: drop them so the change applies on the next request.
  ctx.keyCache.evictUser(updated.id);
  const changed = Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
  await ctx.audit.record(
    {
      type: 'user_updated',
      success: true,
      userId: updated.id,
      userEmail: updated.email,
      details: { changed },
    },
    context,
  );
  // Queued before the answer, like the audit event: an answered reset must not lose its notice.
  if (passwordHash !== undefined) await ctx.notifier.passwordSetByAdmin(updated.email, now);
  return updated;
}

/** Deletes a user (never the last active admin); their tokens die with the row. */
export async function deleteUser(
  ctx: IdentityContext,
  rawEmail: unknown,
  context: RequestContext,
): Promise<void> {
  const current = await getUserByEmail(ctx, rawEmail);
  assertDefinedInDatabase(current);
  await ctx.store.users.withAdminLock(async (users) => {
    const user = await users.findById(current.id);
    if (!user) throw new AppError('not_found', { message: 'User not found' });
    await assertNotLastAdmin(users, user, { isActive: false });
    await users.delete(user.id);
  });
  await revokeDelegatedAccess(ctx, current.id);
  ctx.keyCache.evictUser(current.id);
  await ctx.audit.record(
    { type: 'user_deleted', success: true, userId: current.id, userEmail: current.email },
    context,
  );
}

/** Clears a lockout: the failure counter and `locked_until`. */
export async function unlockUser(
  ctx: IdentityContext,
  rawEmail: unknown,
  context: RequestContext,
): Promise<UserRecord> {
  const user = await getUserByEmail(ctx, rawEmail);
  const now = ctx.now();
  const updated =
    (await ctx.store.users.update(user.id, { failedLoginAttempts: 0, lockedUntil: null }, now)) ?? user;
  await ctx.audit.record(
    { type: 'account_unlocked', success: true, userId: user.id, userEmail: user.email },
    context,
  );
  return updated;
}

/** The user with this username; throws not_found. */
export async function getUserByUsername(ctx: IdentityContext, rawUsername: unknown): Promise<UserRecord> {
  const username = canonicalUsername(rawUsername);
  const user = username ? await ctx.store.users.findByUsername(username) : null;
  if (!user) throw new AppError('not_found', { message: 'User not found' });
  return user;
}

/**
 * Sets which backends a user may use (`allowed_mcps`, empty: all) and may not (`blocked_mcps`,
 * wins), keeping the user's tool rules unless given. Takes effect on the next request.
 */
export async function setUserAccess(
  ctx: IdentityContext,
  user: UserRecord,
  input: { allowedMcps?: unknown; blockedMcps?: unknown; toolRules?: unknown },
  context: RequestContext,
): Promise<UserRecord> {
  assertDefinedInDatabase(user);
  const policy = parseAccessPolicy({
    allowedMcps: input.allowedMcps ?? [],
    blockedMcps: input.blockedMcps ?? [],
    toolRules: input.toolRules ?? user.toolRules,
  });
  if (!policy) {
    throw new AppError('validation_failed', {
      details: { details: [{ field: 'allowed_mcps', message: 'must be lists of backend names' }] },
    });
  }
  const updated = await ctx.store.users.update(user.id, { ...policy }, ctx.now());
  if (!updated) throw new AppError('not_found', { message: 'User not found' });
  ctx.keyCache.evictUser(user.id);
  await ctx.audit.record(
    {
      type: 'user_access_changed',
      success: true,
      userId: user.id,
      userEmail: user.email,
      details: {
        allowed_mcps: policy.allowedMcps,
        blocked_mcps: policy.blockedMcps,
        tool_rules: policy.toolRules,
      },
    },
    context,
  );
  return updated;
}
