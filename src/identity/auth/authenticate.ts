import type { UserRecord } from '../../store/index.ts';
import type { AccessPolicy } from '../access/index.ts';
import { canonicalEmail } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import { findUserByIdentifier } from '../users/find-user.ts';
import type { TokenPurpose, VerifiedToken } from '../tokens/index.ts';

/** What an API key grants on top of its user's identity. */
export interface ApiKeyGrant {
  id: string;
  /** Narrows the user's access (never widens it); null: the user's access as is. */
  scope: AccessPolicy | null;
  /** The key may open admin routes (only if its user is an admin too). */
  admin: boolean;
}

/** A caller proven by a bearer credential: a JWT (`token`) or an API key (`apiKey`). */
export interface Authenticated {
  user: UserRecord;
  token: VerifiedToken | null;
  apiKey: ApiKeyGrant | null;
  /** True for the REQUIRE_USER_IN_DB=false platform-admin path: no database row backs `user`. */
  bootstrapAdmin: boolean;
  /** Set when the credential is an OAuth access token: the client and grant it came from. */
  oauth?: { clientId: string; scopes: string[]; grantId: string };
}

/** Why a token was refused, for the one case the API may say so (REQUIRE_USER_IN_DB). */
export type TokenRejection = { rejected: true; reason: 'invalid' | 'user_not_in_db' };

/** The id of the platform admin when it has no database row (REQUIRE_USER_IN_DB=false). */
export const BOOTSTRAP_ADMIN_ID = 'platform-admin';

function bootstrapAdmin(email: string, now: Date): UserRecord {
  return {
    id: BOOTSTRAP_ADMIN_ID,
    email,
    username: email,
    fullName: 'Platform admin',
    passwordHash: '',
    isAdmin: true,
    isActive: true,
    emailVerifiedAt: null,
    passwordChangeRequired: false,
    passwordChangedAt: null,
    failedLoginAttempts: 0,
    lockedUntil: null,
    tokensValidAfter: null,
    lastLogin: null,
    createdAt: now,
    updatedAt: now,
    allowedMcps: [],
    blockedMcps: [],
    toolRules: [],
    source: 'database',
  };
}

/** The caller of every request in development mode (`serve --no-auth`): the platform admin. */
export function developmentCaller(ctx: IdentityContext): Authenticated {
  return {
    user: bootstrapAdmin(ctx.settings.platformAdminEmail, ctx.now()),
    token: null,
    apiKey: null,
    bootstrapAdmin: true,
  };
}

/**
 * The caller for a trusted local operator acting as a user without a credential (`gatehouse
 * stdio --user`): the active user the identifier names, or null. Read from the database each
 * time, so a disable applies to the next check.
 */
export async function localUserCaller(
  ctx: IdentityContext,
  identifier: unknown,
): Promise<Authenticated | null> {
  const user = await findUserByIdentifier(ctx, identifier);
  if (!user?.isActive) return null;
  return { user, token: null, apiKey: null, bootstrapAdmin: false };
}

/**
 * Checks a bearer token on every request: signature, algorithm, issuer, audience and expiry
 * (the signer), the allowed purposes, that the user exists and is active, that the token was
 * issued after the user's `tokens_valid_after`, and that its jti is not revoked. Reads the
 * database each time, so a break-glass SQL change or a disable takes effect on the next request.
 */
export async function authenticateToken(
  ctx: IdentityContext,
  raw: string,
  purposes: readonly TokenPurpose[] = ['access'],
): Promise<Authenticated | TokenRejection> {
  const invalid: TokenRejection = { rejected: true, reason: 'invalid' };
  const token = await ctx.signer.verify(raw);
  if (token === null || !purposes.includes(token.purpose)) return invalid;
  if (await ctx.store.revokedTokens.isRevoked(token.jti)) return invalid;

  const user = await ctx.store.users.findById(token.userId);
  if (user === null) {
    // Only a token whose subject names the platform admin itself (BOOTSTRAP_ADMIN_ID, or the
    // e-mail as ContextForge's tokens carry it) may stand in for a missing row: the token of a real
    // account (a user id) that was deleted dies with the account.
    const subject = token.userId === BOOTSTRAP_ADMIN_ID ? token.email : canonicalEmail(token.userId);
    if (subject === null || canonicalEmail(subject) !== ctx.settings.platformAdminEmail.toLowerCase())
      return invalid;
    if (canonicalEmail(token.email) !== ctx.settings.platformAdminEmail.toLowerCase()) return invalid;
    if (ctx.settings.requireUserInDb) {
      ctx.logger.warn(
        { security_event: 'user_not_in_db_rejected', user_email: token.email },
        'user not in database',
      );
      return { rejected: true, reason: 'user_not_in_db' };
    }
    ctx.logger.warn(
      { security_event: 'platform_admin_bootstrap', user_email: token.email },
      'platform admin without a database row',
    );
    return { user: bootstrapAdmin(token.email, ctx.now()), token, apiKey: null, bootstrapAdmin: true };
  }
  if (!user.isActive) return invalid;
  if (user.tokensValidAfter !== null && token.issuedAtMs < user.tokensValidAfter.getTime()) return invalid;
  return { user, token, apiKey: null, bootstrapAdmin: false };
}
