import type { Authenticated, TokenRejection } from '../auth/authenticate.ts';

import type { IdentityContext } from '../context.ts';
import { findUserByIdentifier } from '../users/find-user.ts';

const INVALID: TokenRejection = { rejected: true, reason: 'invalid' };

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
  const user = name ? await findUserByIdentifier(ctx, name) : null;
  if (!user || !user.isActive) return INVALID;
  return {
    user,
    token: null,
    apiKey: { id: `file:${token.id}`, scope: token.scope, admin: token.admin },
    bootstrapAdmin: false,
  };
}
