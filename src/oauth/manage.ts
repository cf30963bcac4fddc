import { randomBytes } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { IdentityContext, RequestContext } from '../identity/index.ts';
import type { OAuthRecord } from '../store/index.ts';
import { databaseAdapter } from './adapter.ts';
import type { OAuthServer } from './provider.ts';
import { redirectUriProblem } from './redirect-policy.ts';

/** An OAuth client as admins see it (never its secret). */
export interface OAuthClientView {
  client_id: string;
  client_name: string | null;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  /** `config`: OAUTH_CLIENTS; `registered`: dynamic registration, the API or the CLI. */
  source: 'config' | 'registered';
  created_at: string | null;
}

/** A user's authorization of a client, as admins see it. */
export interface OAuthGrantView {
  grant_id: string;
  client_id: string;
  user_id: string;
  user_email: string | null;
  scopes: string[];
  resources: Record<string, string[]>;
  created_at: string;
  expires_at: string | null;
}

function clientView(
  metadata: Record<string, unknown>,
  source: OAuthClientView['source'],
  createdAt: Date | null,
): OAuthClientView {
  const list = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return {
    client_id: String(metadata.client_id),
    client_name: typeof metadata.client_name === 'string' ? metadata.client_name : null,
    redirect_uris: list(metadata.redirect_uris),
    grant_types: list(metadata.grant_types),
    token_endpoint_auth_method:
      typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'none',
    source,
    created_at: createdAt?.toISOString() ?? null,
  };
}

/** Every OAuth client: pre-registered in the configuration, then stored ones, newest first. */
export async function listOAuthClients(ctx: IdentityContext): Promise<OAuthClientView[]> {
  const configured = ctx.settings.oauthClients.map((client) =>
    clientView(
      { token_endpoint_auth_method: client.client_secret ? 'client_secret_basic' : 'none', ...client },
      'config',
      null,
    ),
  );
  const stored = (await ctx.store.oauth.list('Client')).map((record) =>
    clientView(record.payload, 'registered', record.createdAt),
  );
  return [...configured, ...stored];
}

/**
 * Registers a client for an admin (API or CLI): a public client (PKCE, no secret) unless
 * `confidential`, whose secret is returned here once.
 */
export async function addOAuthClient(
  ctx: IdentityContext,
  server: OAuthServer,
  input: { clientName: string; redirectUris: string[]; confidential?: boolean },
  context: RequestContext,
): Promise<{ client: OAuthClientView; clientSecret: string | null }> {
  const problems = input.redirectUris
    .map((uri) => redirectUriProblem(uri, []))
    .filter((problem): problem is string => problem !== null);
  if (input.redirectUris.length === 0) problems.push('At least one redirect URI is required');
  if (problems.length > 0)
    throw new AppError('validation_failed', {
      details: { details: problems.map((message) => ({ field: 'redirect_uris', message })) },
    });
  const clientSecret = input.confidential ? randomBytes(32).toString('base64url') : null;
  const metadata: Record<string, unknown> = {
    client_id: `gh_${randomBytes(12).toString('base64url')}`,
    client_name: input.clientName,
    redirect_uris: input.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: clientSecret === null ? 'none' : 'client_secret_basic',
    client_id_issued_at: Math.floor(ctx.now().getTime() / 1000),
    ...(clientSecret === null ? {} : { client_secret: clientSecret, client_secret_expires_at: 0 }),
  };
  try {
    await server.provider.Client.validate(metadata as never);
  } catch (error) {
    const message =
      error instanceof Error && 'error_description' in error
        ? String(error.error_description)
        : 'invalid client metadata';
    throw new AppError('validation_failed', { details: { details: [{ field: 'client', message }] } });
  }
  const Adapter = databaseAdapter(ctx.store, ctx.now);
  await new Adapter('Client').upsert(String(metadata.client_id), metadata);
  await ctx.audit.record(
    {
      type: 'oauth_client_added',
      success: true,
      details: { client_id: metadata.client_id, client_name: input.clientName },
    },
    context,
  );
  return { client: clientView(metadata, 'registered', ctx.now()), clientSecret };
}

/** Removes a stored client and every grant and token issued to it. */
export async function removeOAuthClient(
  ctx: IdentityContext,
  clientId: string,
  context: RequestContext,
): Promise<void> {
  if (ctx.settings.oauthClients.some((client) => client.client_id === clientId))
    throw new AppError('oauth_client_from_config');
  if ((await ctx.store.oauth.find('Client', clientId)) === null) throw new AppError('not_found');
  await ctx.store.oauth.deleteByClientId(clientId);
  await ctx.store.oauth.destroy('Client', clientId);
  await ctx.audit.record(
    { type: 'oauth_client_removed', success: true, details: { client_id: clientId } },
    context,
  );
}

async function grantView(ctx: IdentityContext, record: OAuthRecord): Promise<OAuthGrantView> {
  const payload = record.payload as {
    accountId?: string;
    clientId?: string;
    openid?: { scope?: string };
    resources?: Record<string, string>;
  };
  const user = payload.accountId ? await ctx.store.users.findById(payload.accountId) : null;
  return {
    grant_id: record.id,
    client_id: payload.clientId ?? '',
    user_id: payload.accountId ?? '',
    user_email: user?.email ?? null,
    scopes: (payload.openid?.scope ?? '').split(' ').filter(Boolean),
    resources: Object.fromEntries(
      Object.entries(payload.resources ?? {}).map(([resource, scope]) => [
        resource,
        scope.split(' ').filter(Boolean),
      ]),
    ),
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt?.toISOString() ?? null,
  };
}

/** Live grants (a user's authorization of a client), optionally of one user or one client. */
export async function listOAuthGrants(
  ctx: IdentityContext,
  filter: { userId?: string; clientId?: string } = {},
): Promise<OAuthGrantView[]> {
  const now = ctx.now();
  const records = await ctx.store.oauth.list('Grant', {
    accountId: filter.userId,
    clientId: filter.clientId,
  });
  const live = records.filter((record) => record.expiresAt === null || record.expiresAt > now);
  return Promise.all(live.map((record) => grantView(ctx, record)));
}

/** Revokes a grant: its refresh tokens die and its access tokens are refused from the next request. */
export async function revokeOAuthGrant(
  ctx: IdentityContext,
  grantId: string,
  context: RequestContext,
): Promise<void> {
  const grant = await ctx.store.oauth.find('Grant', grantId);
  if (grant === null) throw new AppError('not_found');
  await ctx.store.oauth.revokeByGrantId(grantId);
  await ctx.audit.record(
    {
      type: 'oauth_grant_revoked',
      success: true,
      userId: grant.accountId ?? undefined,
      details: { grant_id: grantId, client_id: grant.clientId },
    },
    context,
  );
}

/** Revokes every grant of a user (password change or reset, disable). */
export async function revokeUserOAuthGrants(ctx: IdentityContext, userId: string): Promise<number> {
  const grants = await ctx.store.oauth.list('Grant', { accountId: userId });
  for (const grant of grants) await ctx.store.oauth.revokeByGrantId(grant.id);
  return grants.length;
}
