import type { UserRecord } from '../../store/index.ts';
import { canonicalEmail, canonicalUsername } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';

/**
 * The user an identifier names: by e-mail address when it looks like one, else (or when no
 * address matches) by username, since usernames may contain `@` too. Null when none matches or the
 * identifier is not a string.
 */
export async function findUserByIdentifier(
  ctx: IdentityContext,
  identifier: unknown,
): Promise<UserRecord | null> {
  if (typeof identifier !== 'string' || identifier === '') return null;
  if (identifier.includes('@')) {
    const email = canonicalEmail(identifier);
    const user = email ? await ctx.store.users.findByEmail(email) : null;
    if (user) return user;
  }
  const username = canonicalUsername(identifier);
  return username ? ctx.store.users.findByUsername(username) : null;
}
