import type { RequestContext } from '../audit.ts';
import type { IdentityContext } from '../context.ts';
import type { Authenticated } from './authenticate.ts';

/**
 * Revokes the caller's access token (its jti) until it would have expired. A caller using an API
 * key is left alone: keys are revoked explicitly, not by logging out.
 */
export async function logout(
  ctx: IdentityContext,
  caller: Authenticated,
  context: RequestContext,
): Promise<void> {
  if (caller.token === null) return;
  await ctx.store.revokedTokens.revoke(caller.token.jti, caller.user.id, caller.token.expiresAt);
  await ctx.audit.record(
    { type: 'logout', success: true, userId: caller.user.id, userEmail: caller.user.email },
    context,
  );
}
