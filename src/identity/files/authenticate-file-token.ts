import type { UserRecord } from '../../store/index.ts';
import type { Authenticated, TokenRejection } from '../auth/authenticate.ts';
import { canonicalEmail, canonicalUsername } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';

const INVALID: TokenRejection = { rejected: true, reason: 'invalid' };

/** The user a file token names (an e-mail address or a username), or null. */
export async function findUserByName(ctx: IdentityContext, name: string): Promise<UserRecord | null> {
  if (name.includes('@')) {
    const email = canonicalEmail(name);
    const user = email ? await ctx.store.users.findByEmail(email) : null;
    if (user) return user;
  }
  const username = canonicalUsername(name);
  return username ? ctx.store.users.findByUsername(username) : null;
}

/**
 * Checks a bearer secret against AUTH_TOKEN_FILE by its SHA-256. Null when no file token has
 * that hash (the caller tries the other kinds). A token is refused from the instant it expires,
 * when it names no user and AUTH_TOKEN_FILE_DEFAULT_USER is unset, and when its user is missing
 * or disabled (read from the database on every request, like a JWT).
 */
export async function authenticateFileToken(
  ctx: IdentityContext,
  hash: string,
): Promise<Authenticated | TokenRejection | null> {
  const token = ctx.fileTokens.find(hash);
  if (token === undefined) return null;
  if (token.expiresAt !== null && token.expiresAt.getTime() <= ctx.now().getTime()) return INVALID;
  const name = token.user ?? ctx.settings.authTokenFileDefaultUser;
  const user = name ? await findUserByName(ctx, name) : null;
  if (!user || !user.isActive) return INVALID;
  return {
    user,
    token: null,
    apiKey: { id: `file:${token.id}`, scope: token.scope, admin: token.admin },
    bootstrapAdmin: false,
  };
}
