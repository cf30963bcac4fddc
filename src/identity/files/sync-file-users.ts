import { randomUUID } from 'node:crypto';
import type { UserPatch, UserRecord, UsersRepository } from '../../store/index.ts';
import { OPEN_POLICY } from '../access/index.ts';
import type { RequestContext } from '../audit.ts';
import type { IdentityContext } from '../context.ts';
import { AuthFileError } from './auth-file-error.ts';
import type { FileUser } from './user-file.ts';

/** What a sync changed in the database, by username. */
export interface FileUserChanges {
  added: string[];
  updated: string[];
  removed: string[];
}

type Change = { user: UserRecord; kind: 'added' | 'updated' | 'removed'; fields?: string[] };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `user` that differ from `wanted`, as a patch (sessions end when it is disabled). */
function patchFor(user: UserRecord, wanted: FileUser, now: Date): UserPatch {
  const access = wanted.access ?? OPEN_POLICY;
  const patch: UserPatch = {};
  if (user.email !== wanted.email) patch.email = wanted.email;
  // A new hash in the file keeps sessions alive (pgEdge's behaviour); disable or remove to end them.
  if (user.passwordHash !== wanted.passwordHash) patch.passwordHash = wanted.passwordHash;
  if (user.isAdmin !== wanted.isAdmin) patch.isAdmin = wanted.isAdmin;
  if (user.fullName !== wanted.fullName) patch.fullName = wanted.fullName;
  if (user.isActive !== wanted.enabled) {
    patch.isActive = wanted.enabled;
    if (!wanted.enabled) patch.tokensValidAfter = now;
  }
  if (!same(user.allowedMcps, access.allowedMcps)) patch.allowedMcps = [...access.allowedMcps];
  if (!same(user.blockedMcps, access.blockedMcps)) patch.blockedMcps = [...access.blockedMcps];
  if (!same(user.toolRules, access.toolRules)) patch.toolRules = [...access.toolRules];
  return patch;
}

async function assertNoClash(users: UsersRepository, wanted: FileUser): Promise<UserRecord | null> {
  const byName = await users.findByUsername(wanted.username);
  const byEmail = await users.findByEmail(wanted.email);
  for (const [found, what] of [
    [byName, `username "${wanted.username}"`],
    [byEmail, `e-mail "${wanted.email}"`],
  ] as const) {
    if (found && found.source !== 'file')
      throw new AuthFileError(
        `users.${wanted.username}: the ${what} also belongs to a database user; rename one of them`,
      );
  }
  if (byEmail && byName && byEmail.id !== byName.id)
    throw new AuthFileError(
      `users.${wanted.username}: e-mail "${wanted.email}" belongs to file user "${byEmail.username}"`,
    );
  return byName;
}

async function apply(users: UsersRepository, wanted: readonly FileUser[], now: Date): Promise<Change[]> {
  const adminsBefore = await users.countActiveAdmins();
  const names = new Set(wanted.map((user) => user.username));
  const changes: Change[] = [];
  // Removals first, so a user renamed in the file frees its e-mail address for the new name.
  for (const user of await users.listBySource('file')) {
    if (names.has(user.username)) continue;
    await users.delete(user.id);
    changes.push({ user, kind: 'removed' });
  }
  for (const entry of wanted) {
    const existing = await assertNoClash(users, entry);
    if (existing === null) {
      const created = await users.create(
        {
          id: randomUUID(),
          email: entry.email,
          username: entry.username,
          fullName: entry.fullName,
          passwordHash: entry.passwordHash,
          isAdmin: entry.isAdmin,
          isActive: entry.enabled,
          source: 'file',
        },
        now,
      );
      if (!created) throw new AuthFileError(`users.${entry.username}: the username or e-mail is taken`);
      const access = patchFor(created, entry, now);
      const user =
        Object.keys(access).length > 0 ? ((await users.update(created.id, access, now)) ?? created) : created;
      changes.push({ user, kind: 'added' });
      continue;
    }
    const patch = patchFor(existing, entry, now);
    if (Object.keys(patch).length === 0) continue;
    const user = (await users.update(existing.id, patch, now)) ?? existing;
    // Field names only: the hash itself never goes to the audit trail.
    changes.push({ user, kind: 'updated', fields: Object.keys(patch) });
  }
  if (adminsBefore > 0 && (await users.countActiveAdmins()) === 0)
    throw new AuthFileError('the change would leave no active admin');
  return changes;
}

/**
 * Makes the database's file users (`source = 'file'`) match the user file: adds, updates and
 * removes them in one transaction under the admin lock, so a bad file changes nothing. Lockout
 * counters, last login and API keys of a kept user are untouched; sessions survive unless the user
 * is disabled or removed. Throws AuthFileError when a name or address belongs to a database user,
 * or when the result would leave no active admin.
 */
export async function syncFileUsers(
  ctx: IdentityContext,
  wanted: readonly FileUser[],
  context: RequestContext,
): Promise<FileUserChanges> {
  const changes = await ctx.store.users.withAdminLock((users) => apply(users, wanted, ctx.now()));
  for (const { user, kind, fields } of changes) {
    ctx.keyCache.evictUser(user.id);
    await ctx.audit.record(
      {
        type: `file_user_${kind}`,
        success: true,
        userId: kind === 'removed' ? null : user.id,
        userEmail: user.email,
        details: fields ? { changed: fields } : undefined,
      },
      context,
    );
  }
  const names = (kind: Change['kind']) => changes.filter((c) => c.kind === kind).map((c) => c.user.username);
  return { added: names('added'), updated: names('updated'), removed: names('removed') };
}
