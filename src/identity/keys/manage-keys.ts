import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors/index.ts';
import type { ApiTokenRecord, UserRecord } from '../../store/index.ts';
import { parseAccessPolicy } from '../access/index.ts';
import type { RequestContext } from '../audit.ts';
import type { Authenticated } from '../auth/authenticate.ts';
import { hasControlCharacter } from '../canonical.ts';
import type { IdentityContext } from '../context.ts';
import { apiKeyDisplayPrefix, hashApiKey, isApiKeyShaped, newApiKey } from './key-format.ts';

/** What a caller may ask for when creating a key. */
export interface CreateKeyInput {
  name: unknown;
  ttlDays?: unknown;
  expiresAt?: unknown;
  scope?: unknown;
  admin?: unknown;
}

/** A key as listed: never the secret or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  admin: boolean;
  scope: unknown;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  state: 'active' | 'expired' | 'revoked';
}

const invalid = (field: string, message: string) =>
  new AppError('validation_failed', { details: { details: [{ field, message }] } });

/** The public view of a key, with its state at `now`. */
export function toApiKeyView(key: ApiTokenRecord, now: Date): ApiKeyView {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  const expired = key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime();
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    admin: key.admin,
    scope: key.scopes,
    created_at: key.createdAt.toISOString(),
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
    state: key.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
  };
}

/** Every key of a user, newest first, as listed: never a secret or hash. */
export async function listApiKeys(ctx: IdentityContext, userId: string): Promise<ApiKeyView[]> {
  const now = ctx.now();
  return (await ctx.store.apiTokens.listForUser(userId)).map((key) => toApiKeyView(key, now));
}

/**
 * Throws forbidden unless the caller logged in (a session token): keys are managed from a
 * session, so a leaked key cannot mint or revoke keys.
 */
export function assertCanManageKeys(caller: Authenticated): void {
  if (caller.token === null)
    throw new AppError('forbidden', { message: 'Manage API keys from a login session' });
}

/**
 * When a key made now expires: `ttlDays` (1-3650 whole days) or a future `expiresAt` (ISO 8601), or
 * never. Throws validation_failed for both, or for a bad value. Shared by database keys and the
 * tokens `gatehouse tokens create --file` writes.
 */
export function keyExpiry(input: { ttlDays?: unknown; expiresAt?: unknown }, nowDate: Date): Date | null {
  if (
    input.ttlDays !== undefined &&
    input.ttlDays !== null &&
    input.expiresAt !== undefined &&
    input.expiresAt !== null
  ) {
    throw invalid('ttl_days', 'give ttl_days or expires_at, not both');
  }
  const now = nowDate.getTime();
  if (input.ttlDays !== undefined && input.ttlDays !== null) {
    if (
      !Number.isInteger(input.ttlDays) ||
      (input.ttlDays as number) < 1 ||
      (input.ttlDays as number) > 3650
    ) {
      throw invalid('ttl_days', 'must be a whole number of days, 1-3650');
    }
    return new Date(now + (input.ttlDays as number) * 86_400_000);
  }
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const at = typeof input.expiresAt === 'string' ? new Date(input.expiresAt) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime()) || at.getTime() <= now)
      throw invalid('expires_at', 'must be a future ISO 8601 time');
    return at;
  }
  return null;
}

/**
 * Creates an API key for `owner` and returns it with the secret, which is never shown again. A
 * scope may only narrow the owner's access; an admin key needs an admin owner.
 */
export async function createApiKey(
  ctx: IdentityContext,
  owner: UserRecord,
  input: CreateKeyInput,
  context: RequestContext,
): Promise<{ key: ApiTokenRecord; secret: string }> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length < 1 || name.length > 100) throw invalid('name', 'must be 1-100 characters');
  // The name reaches the audit trail and screens; PostgreSQL cannot even store NUL.
  if (hasControlCharacter(name)) throw invalid('name', 'must not contain control characters');
  const expiresAt = keyExpiry(input, ctx.now());
  const scope = input.scope === undefined || input.scope === null ? null : parseAccessPolicy(input.scope);
  if (input.scope !== undefined && input.scope !== null && scope === null)
    throw invalid('scope', 'is not a valid access policy');
  const admin = input.admin === true;
  if (admin && !owner.isAdmin)
    throw new AppError('forbidden', { message: 'Only an admin can own an admin key' });

  const secret = newApiKey();
  const key: ApiTokenRecord = {
    id: randomUUID(),
    userId: owner.id,
    name,
    prefix: apiKeyDisplayPrefix(secret),
    tokenHash: hashApiKey(secret),
    scopes: scope,
    admin,
    createdAt: ctx.now(),
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  await ctx.store.apiTokens.create(key);
  await ctx.audit.record(
    {
      type: 'api_key_created',
      success: true,
      userId: owner.id,
      userEmail: owner.email,
      details: { key_id: key.id, name, admin },
    },
    context,
  );
  return { key, secret };
}

/** The e-mail of a key's owner, for its audit events (filtered by user); null when the owner is gone. */
async function ownerEmail(ctx: IdentityContext, userId: string): Promise<string | null> {
  return (await ctx.store.users.findById(userId))?.email ?? null;
}

/** Revokes a key by id (optionally only if `ownerId` owns it); it fails on the next request. */
export async function revokeApiKey(
  ctx: IdentityContext,
  keyId: string,
  context: RequestContext,
  options: { ownerId?: string } = {},
): Promise<ApiTokenRecord> {
  const key = await ctx.store.apiTokens.findById(keyId);
  if (!key || (options.ownerId !== undefined && key.userId !== options.ownerId)) {
    throw new AppError('not_found', { message: 'API key not found' });
  }
  await ctx.store.apiTokens.revoke(key.id, ctx.now());
  ctx.keyCache.evictKey(key.id);
  await ctx.audit.record(
    {
      type: 'api_key_revoked',
      success: true,
      userId: key.userId,
      userEmail: await ownerEmail(ctx, key.userId),
      details: { key_id: key.id },
    },
    context,
  );
  return key;
}

/** Revokes the key whose secret is `secret` (POST /keys/revoke {api_key}). */
export async function revokeApiKeyBySecret(
  ctx: IdentityContext,
  secret: unknown,
  context: RequestContext,
): Promise<ApiTokenRecord> {
  const key = isApiKeyShaped(secret) ? await ctx.store.apiTokens.findByHash(hashApiKey(secret)) : null;
  if (!key) throw new AppError('not_found', { message: 'API key not found' });
  return revokeApiKey(ctx, key.id, context);
}

/** Deletes keys that have expired, auditing each; returns how many. The periodic cleanup job. */
export async function purgeExpiredApiKeys(ctx: IdentityContext): Promise<number> {
  const removed = await ctx.store.apiTokens.deleteExpired(ctx.now());
  for (const key of removed) {
    ctx.keyCache.evictKey(key.id);
    await ctx.audit.record(
      {
        type: 'api_key_expired_removed',
        success: true,
        userId: key.userId,
        userEmail: await ownerEmail(ctx, key.userId),
        details: { key_id: key.id, name: key.name },
      },
      { actorEmail: 'system:key-cleanup' },
    );
  }
  return removed.length;
}
