import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Settings } from '../config/index.ts';
import type { IdentityContext } from '../identity/index.ts';
import { resolveJwtSecret } from '../identity/jwt-secret.ts';
import { databaseAdapter } from './adapter.ts';
import { isPrivateHost } from './private-host.ts';
import { redirectUriProblem } from './redirect-policy.ts';
import { renderErrorPage } from './pages.ts';
import { issuedBefore, MCP_SCOPE, McpResources } from './resources.ts';
import { cookieKeys, resolveSigningKey, type SigningJwk } from './signing-key.ts';

/** Lifetime of an authorization code: single use, and far below the 10-minute ceiling. */
const CODE_TTL_SECONDS = 60;
const INTERACTION_TTL_SECONDS = 30 * 60;
const SESSION_TTL_SECONDS = 8 * 3600;

/** The authorization server of one process: oidc-provider configured for Gatehouse. */
export interface OAuthServer {
  readonly provider: Provider;
  readonly issuer: string;
  readonly resources: McpResources;
  readonly signingKey: SigningJwk;
  readonly cookieKey: string;
}

/** Paths of the authorization server's endpoints (under /oauth, the issuer is the base URL). */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

/** Only these scopes exist; `mcp` is the one MCP endpoints require. */
export const OAUTH_SCOPES = ['openid', 'offline_access', MCP_SCOPE] as const;

function redirectPolicyError(settings: Settings, uris: unknown): string | null {
  if (!Array.isArray(uris)) return null;
  for (const uri of uris) {
    const problem =
      typeof uri === 'string' ? redirectUriProblem(uri, settings.oauthRedirectUriPrefixes) : 'bad';
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * Builds the authorization server. Accounts are Gatehouse users; a user who is disabled or whose
 * tokens were invalidated (password change or reset, `tokens_valid_after`) can no longer refresh.
 */
export async function createOAuthServer(settings: Settings, identity: IdentityContext): Promise<OAuthServer> {
  const issuer = settings.publicBaseUrl.replace(/\/+$/, '');
  const resources = new McpResources(issuer);
  const signingKey = await resolveSigningKey(identity.store);
  const [cookieKey] = cookieKeys(await resolveJwtSecret(settings.jwtSecretKey, identity.store));
  const accessTokenTtl = settings.oauthAccessTokenTtlSeconds;
  const longTtl = settings.oauthRefreshTokenTtlDays * 24 * 3600;

  const configuration: Configuration = {
    adapter: databaseAdapter(identity.store, identity.now),
    clients: settings.oauthClients.map((client) => ({
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: client.client_secret === undefined ? 'none' : 'client_secret_basic',
      ...client,
    })),
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'ES256',
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [cookieKey as string],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256'],
      requestObjectSigningAlgValues: ['ES256'],
    },
    responseTypes: ['code'],
    scopes: [...OAUTH_SCOPES],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    routes: OAUTH_ROUTES,
    ttl: {
      AuthorizationCode: CODE_TTL_SECONDS,
      AccessToken: accessTokenTtl,
      RefreshToken: longTtl,
      Grant: longTtl,
      Session: SESSION_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
      IdToken: accessTokenTtl,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: settings.oauthDynamicRegistration, initialAccessToken: false },
      registrationManagement: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? `${issuer}/mcp`,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!resources.isResource(resource)) throw new errors.InvalidTarget();
          return {
            scope: MCP_SCOPE,
            audience: resource,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
      clientIdMetadataDocument: {
        enabled: settings.oauthClientMetadataDocuments,
        ack: 'draft-02',
        allowFetch: async (_ctx: unknown, clientId: string) =>
          settings.oauthMetadataAllowPrivateHosts || !isPrivateHost(new URL(clientId).hostname),
        allowClient: async (_ctx: unknown, client: { redirectUris: string[] }) =>
          redirectPolicyError(settings, client.redirectUris) === null,
      } as never,
    },
    extraClientMetadata: {
      properties: ['software_id'],
      validator(ctx, key, _value, metadata) {
        if (key !== 'software_id' || ctx?.oidc?.route !== 'registration') return;
        const problem = redirectPolicyError(settings, metadata.redirect_uris);
        if (problem !== null) throw new errors.InvalidRedirectUri(problem);
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    extraTokenClaims: async (_ctx, token) =>
      token.kind === 'AccessToken' ? { gid: (token as { grantId?: string }).grantId } : undefined,
    findAccount: async (_ctx, sub, token) => {
      const user = await identity.store.users.findById(sub);
      if (user === null || !user.isActive) return undefined;
      const issuedAt = (token as { iat?: number } | undefined)?.iat;
      if (user.tokensValidAfter !== null && issuedAt !== undefined) {
        if (issuedBefore(issuedAt, user.tokensValidAfter)) return undefined;
      }
      return { accountId: user.id, claims: async () => ({ sub: user.id }) };
    },
    interactions: { url: async (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = renderErrorPage(String(out.error ?? 'error'), String(out.error_description ?? ''));
    },
    // oidc-provider connects through a dispatcher that drops special-use addresses (SSRF guard);
    // OAUTH_METADATA_ALLOW_PRIVATE_HOSTS lifts it for metadata documents on an internal network.
    fetch: (url, options) => {
      if (!settings.oauthMetadataAllowPrivateHosts) return fetch(url, options);
      const { dispatcher: _guarded, ...unguarded } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, unguarded);
    },
    clientBasedCORS: (_ctx, origin, client) =>
      client.clientAuthMethod === 'none' &&
      (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    discovery: { service_documentation: `${issuer}/docs/oauth.md` },
  };

  const provider = new Provider(issuer, configuration);
  // The HTTP layer sets X-Forwarded-Host/Proto to the issuer's on every request it hands over.
  provider.proxy = true;
  return { provider, issuer, resources, signingKey, cookieKey: cookieKey as string };
}
