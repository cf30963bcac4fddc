import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../../errors/index.ts';
import {
  type Authenticated,
  authenticateApiKey,
  authenticateToken,
  checkIpLimit,
  developmentCaller,
  type IdentityContext,
  isCsrfTokenOf,
  type RequestContext,
  recordIpFailure,
  type TokenPurpose,
} from '../../identity/index.ts';
import { resourcePathFor } from '../../oauth/resources.ts';
import { sessionCookie } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the `authenticate` hook. */
    caller?: Authenticated;
    /** True when the caller came from the admin UI's session cookie rather than a header. */
    viaSessionCookie?: boolean;
  }
  interface FastifyInstance {
    /** Checks OAuth access tokens on the protected resources (the MCP endpoints); unset without OAuth. */
    resourceTokens?: ResourceTokenVerifier;
  }
}

/** What the authenticate hook needs from the OAuth authorization server. */
export interface ResourceTokenVerifier {
  /**
   * The caller an OAuth access token proves on this request's resource; `not_oauth` when the
   * token is another kind of credential or the path is not a protected resource.
   */
  verify(
    request: FastifyRequest,
    token: string,
  ): Promise<
    | { kind: 'ok'; caller: Authenticated }
    | { kind: 'invalid' }
    | { kind: 'insufficient_scope' }
    | { kind: 'not_oauth' }
  >;
}

/** The WWW-Authenticate challenge sent with every 401 (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="gatehouse"';

/** A 401 that says nothing about why, unless given a `publicMessage` a spec requires. */
export function unauthorized(publicMessage?: string): AppError {
  return new AppError('Unauthorized', {
    details: publicMessage ? { message: publicMessage } : undefined,
    headers: { 'www-authenticate': BEARER_CHALLENGE },
  });
}

/** The audit context of a request: client IP (socket, or trusted proxy), user agent and caller. */
export function requestContext(request: FastifyRequest): RequestContext & { ip: string } {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip,
    userAgent: typeof agent === 'string' ? agent : null,
    actorEmail: request.caller?.user.email ?? null,
  };
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Throws 403 forbidden unless the caller is an admin (by session, or by an admin key of an admin). */
export function assertAdmin(request: FastifyRequest): Authenticated {
  const caller = request.caller;
  if (!caller) throw unauthorized();
  if (!caller.user.isAdmin || (caller.apiKey !== null && !caller.apiKey.admin))
    throw new AppError('forbidden');
  return caller;
}

const CREDENTIAL_PARAMS = new Set(['access_token', 'token', 'api_key', 'apikey', 'key', 'jwt']);

// Credentials in a URL end up in logs, histories and Referer headers: never accept them there.
function credentialInQuery(url: string): boolean {
  const query = url.indexOf('?');
  if (query === -1) return false;
  return [...new URLSearchParams(url.slice(query + 1)).keys()].some((name) =>
    CREDENTIAL_PARAMS.has(name.toLowerCase()),
  );
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The admin UI's browser session: the session cookie (a session JWT, never an API key), only
 * when the request has no Authorization header and is not for an MCP endpoint. A state change must
 * carry the session's CSRF token in X-CSRF-Token and must not come from another site.
 */
async function authenticateSessionCookie(
  identity: IdentityContext,
  request: FastifyRequest,
  purposes: readonly TokenPurpose[],
): Promise<void> {
  if (request.headers.authorization !== undefined || resourcePathFor(request.url) !== null)
    throw unauthorized();
  const cookie = sessionCookie(request, identity.settings);
  if (cookie === null) throw unauthorized();
  const result = await authenticateToken(identity, cookie, purposes);
  if ('rejected' in result || result.token === null) throw unauthorized();
  if (!SAFE_METHODS.has(request.method)) {
    const origin = request.headers.origin;
    // Same origin: PUBLIC_BASE_URL's, or the one the browser used to reach us (Host header).
    const sameOrigin =
      origin === undefined ||
      origin === new URL(identity.settings.publicBaseUrl).origin ||
      origin === `${request.protocol}://${request.headers.host}`;
    const crossSite = request.headers['sec-fetch-site'] === 'cross-site' || !sameOrigin;
    if (crossSite || !isCsrfTokenOf(identity, result.token.jti, request.headers['x-csrf-token']))
      throw new AppError('forbidden', { message: 'Missing or invalid CSRF token' });
  }
  request.caller = result;
  request.viaSessionCookie = true;
}

/**
 * An onRequest hook that requires a valid bearer credential — an access token or an API key —
 * in the Authorization header (and, with `admin`, an admin caller). Credentials in the query
 * string are refused.
 * It runs before the body is parsed or validated, so callers without the right to a route learn
 * nothing about its input. Presented-but-invalid tokens count toward the per-IP failure limit;
 * past it, 429.
 */
export function authenticate(
  identity: IdentityContext,
  options: { admin?: boolean; allowPasswordChangeToken?: boolean } = {},
): onRequestAsyncHookHandler {
  const purposes = options.allowPasswordChangeToken
    ? (['access', 'password_change'] as const)
    : (['access'] as const);
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (identity.authDisabled) {
      request.caller = developmentCaller(identity);
      return;
    }
    const limit = await checkIpLimit(identity, request.ip);
    if (limit.blocked) {
      throw new AppError('rate_limited', { headers: { 'retry-after': String(limit.retryAfterSeconds) } });
    }
    if (credentialInQuery(request.url)) throw unauthorized();
    const token = bearerToken(request);
    if (token === null) {
      await authenticateSessionCookie(identity, request, purposes);
      if (options.admin) assertAdmin(request);
      return;
    }
    const oauth = (await request.server.resourceTokens?.verify(request, token)) ?? { kind: 'not_oauth' };
    if (oauth.kind === 'insufficient_scope')
      throw new AppError('insufficient_scope', {
        headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mcp"' },
      });
    const result =
      oauth.kind === 'ok'
        ? oauth.caller
        : oauth.kind === 'invalid'
          ? ({ rejected: true, reason: 'invalid' } as const)
          : ((await authenticateApiKey(identity, token)) ??
            (await authenticateToken(identity, token, purposes)));
    if ('rejected' in result) {
      await recordIpFailure(identity, request.ip);
      throw unauthorized(result.reason === 'user_not_in_db' ? 'User not found in database' : undefined);
    }
    request.caller = result;
    if (options.admin) assertAdmin(request);
  };
}
