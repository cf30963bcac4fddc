import { canonicalEmail } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import type { IssuedToken } from '../tokens/index.ts';
import { BOOTSTRAP_ADMIN_ID } from './authenticate.ts';

/**
 * An access token for the user with this e-mail (`gatehouse jwt create`). The platform admin may
 * have no row yet: its token is issued anyway and REQUIRE_USER_IN_DB decides whether it works.
 * Returns null for anyone else without a row.
 */
export async function issueTokenForEmail(
  ctx: IdentityContext,
  rawEmail: unknown,
  ttlSeconds: number,
): Promise<IssuedToken | null> {
  const email = canonicalEmail(rawEmail);
  if (!email) return null;
  const user = await ctx.store.users.findByEmail(email);
  const subject =
    user ??
    (email === ctx.settings.platformAdminEmail.toLowerCase() ? { id: BOOTSTRAP_ADMIN_ID, email } : null);
  return subject ? ctx.signer.issue(subject, { ttlSeconds }) : null;
}
