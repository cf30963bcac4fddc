import { createLocalJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { Authenticated, IdentityContext } from '../identity/index.ts';
import type { OAuthServer } from './provider.ts';
import { issuedBefore, MCP_SCOPE } from './resources.ts';

/** What an OAuth access token grants: the client it was issued to, its scopes and its grant. */
export interface OAuthGrantInfo {
  clientId: string;
  scopes: string[];
  grantId: string;
}

/** The outcome of checking an OAuth access token for one resource. */
export type OAuthTokenCheck =
  | { kind: 'ok'; caller: Authenticated }
  | { kind: 'invalid' }
  | { kind: 'insufficient_scope' }
  /** Not an OAuth access token at all (another kind of bearer credential). */
  | { kind: 'not_oauth' };

/** True when `raw` has the shape of one of our access tokens (ES256, `at+jwt`); never throws. */
function looksLikeAccessToken(raw: string): boolean {
  if (raw.split('.').length !== 3) return false;
  try {
    const header = decodeProtectedHeader(raw);
    return header.typ === 'at+jwt' && header.alg === 'ES256';
  } catch {
    return false;
  }
}

/**
 * Checks an OAuth access token presented to the MCP endpoint of `resource`: signature (our
 * ES256 key), issuer, audience exactly `resource`, expiry, the `mcp` scope, that its grant still
 * exists (revocation is immediate), and that its user is active and changed no password since.
 * Reads the database each time, like every other credential.
 */
export async function checkOAuthAccessToken(
  server: OAuthServer,
  identity: IdentityContext,
  raw: string,
  resource: string,
): Promise<OAuthTokenCheck> {
  if (!looksLikeAccessToken(raw)) return { kind: 'not_oauth' };
  const { d: _private, ...publicJwk } = server.signingKey;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(raw, createLocalJWKSet({ keys: [publicJwk] }), {
      issuer: server.issuer,
      audience: resource,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      currentDate: identity.now(),
    }));
  } catch {
    return { kind: 'invalid' };
  }
  const { sub, gid, client_id: clientId, scope, iat } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || typeof gid !== 'string' || typeof clientId !== 'string')
    return { kind: 'invalid' };
  if (typeof iat !== 'number') return { kind: 'invalid' };

  const grant = await identity.store.oauth.find('Grant', gid);
  if (grant === null || (grant.expiresAt !== null && grant.expiresAt <= identity.now()))
    return { kind: 'invalid' };
  const user = await identity.store.users.findById(sub);
  if (user === null || !user.isActive) return { kind: 'invalid' };
  if (user.tokensValidAfter !== null && issuedBefore(iat, user.tokensValidAfter)) return { kind: 'invalid' };

  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
  if (!scopes.includes(MCP_SCOPE)) return { kind: 'insufficient_scope' };
  return {
    kind: 'ok',
    caller: {
      user,
      token: null,
      apiKey: null,
      bootstrapAdmin: false,
      oauth: { clientId, scopes, grantId: gid },
    },
  };
}
