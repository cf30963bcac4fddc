import { timingSafeEqual } from 'node:crypto';
import { parseAccessPolicy } from '../access/index.ts';
import type { Authenticated, TokenRejection } from '../auth/authenticate.ts';
import type { IdentityContext } from '../context.ts';
import { authenticateFileToken } from '../files/authenticate-file-token.ts';
import { sha256Hex } from '../secrets.ts';
import { hashApiKey, isApiKeyShaped } from './key-format.ts';

const INVALID: TokenRejection = { rejected: true, reason: 'invalid' };

function sameSecret(a: string, b: string): boolean {
  // Equal-length digests, so the comparison time says nothing about the secret.
  const digest = (value: string) => Buffer.from(sha256Hex(value), 'hex');
  return timingSafeEqual(digest(a), digest(b));
}

async function staticKey(ctx: IdentityContext, raw: string): Promise<Authenticated | TokenRejection | null> {
  const { gatewayStaticApiKey, gatewayStaticApiKeyUser } = ctx.settings;
  if (gatewayStaticApiKey === undefined || !sameSecret(raw, gatewayStaticApiKey)) return null;
  const user = gatewayStaticApiKeyUser
    ? await ctx.store.users.findByEmail(gatewayStaticApiKeyUser.toLowerCase())
    : null;
  if (!user || !user.isActive) return INVALID;
  return { user, token: null, apiKey: { id: 'static', scope: null, admin: false }, bootstrapAdmin: false };
}

/**
 * Checks an API key (`mcpgw_…`, a token of AUTH_TOKEN_FILE, or GATEWAY_STATIC_API_KEY). A key is refused from the instant it
 * expires, once revoked, and when its user is disabled or gone. Verified keys are served from the
 * key cache; Gatehouse's own changes evict them at once. Returns null when `raw` is none of these
 * (so the caller can try a JWT).
 */
export async function authenticateApiKey(
  ctx: IdentityContext,
  raw: string,
): Promise<Authenticated | TokenRejection | null> {
  const fixed = await staticKey(ctx, raw);
  if (fixed !== null) return fixed;
  const keyShaped = isApiKeyShaped(raw);
  if (!keyShaped && ctx.fileTokens.size === 0) return null;
  // Token files and database keys both keep the SHA-256 of the secret.
  const tokenHash = hashApiKey(raw);
  const fromFile = ctx.fileTokens.size > 0 ? await authenticateFileToken(ctx, tokenHash) : null;
  if (fromFile !== null) return fromFile;
  if (!keyShaped) return null;

  const now = ctx.now();
  let entry = ctx.keyCache.get(tokenHash, now.getTime());
  if (entry === null) {
    const key = await ctx.store.apiTokens.findByHash(tokenHash);
    const user = key ? await ctx.store.users.findById(key.userId) : null;
    if (!key || !user) return INVALID;
    const scope = key.scopes === null ? null : (parseAccessPolicy(key.scopes) ?? 'invalid');
    entry = { key, user, scope, loadedAt: now.getTime() };
    ctx.keyCache.set(tokenHash, entry);
  }
  const { key, user, scope } = entry;
  if (key.revokedAt !== null || !user.isActive) return INVALID;
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return INVALID;
  ctx.keyUsage.note(key.id, now);
  // A stored scope that no longer parses must not fall back to the user's wider access: refuse.
  if (scope === 'invalid') return INVALID;
  return { user, token: null, apiKey: { id: key.id, scope, admin: key.admin }, bootstrapAdmin: false };
}
