import type { IdentityContext } from '../context.ts';

/**
 * Ends what a user delegated to OAuth clients: every grant, with the refresh tokens, codes and
 * sessions it issued. Called when a password changes or is reset, and when a user is disabled or
 * deleted; access tokens die with their grant on the next request.
 */
export async function revokeDelegatedAccess(ctx: IdentityContext, userId: string): Promise<void> {
  await ctx.store.oauth.deleteByAccountId(userId);
}
