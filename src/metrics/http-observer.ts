import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Authenticated, isApiKeyShaped } from '../identity/index.ts';
import type { AuthMethod, AuthOutcome, EventFamilies } from './families.ts';

// A 401 there is a refused password (audited as such) or a refused scrape, not a credential check.
const PASSWORD_LOGINS = new Set(['POST /auth/email/login', 'POST /auth/session']);
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const SESSION_COOKIE = /(?:^|;)\s*(?:__Host-)?gatehouse_session=/;

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  return /^Bearer +(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

function checksNoCredential(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return route === '/metrics' || PASSWORD_LOGINS.has(`${request.method} ${route}`);
}

/** How an accepted caller authenticated; null for callers no credential proved (development mode). */
function methodOf(caller: Authenticated): AuthMethod | null {
  if (caller.oauth !== undefined) return 'oauth';
  if (caller.apiKey !== null) {
    if (caller.apiKey.id === 'static') return 'static_key';
    return caller.apiKey.id.startsWith('file:') ? 'file_token' : 'api_key';
  }
  return caller.token !== null ? 'jwt' : null;
}

/** What kind of credential a refused token looks like (token-file tokens have no shape of their own). */
function shapeOf(token: string): AuthMethod {
  if (isApiKeyShaped(token)) return 'api_key';
  return JWT_SHAPE.test(token) ? 'jwt' : 'unknown';
}

function countCredential(families: EventFamilies, request: FastifyRequest, reply: FastifyReply): void {
  const token = bearer(request);
  // The admin UI's session cookie counts only where no Authorization header was sent (it is ignored then).
  const cookie = token === null && SESSION_COOKIE.test(request.headers.cookie ?? '');
  if ((token === null && !cookie) || checksNoCredential(request)) return;
  let method: AuthMethod | null;
  let outcome: AuthOutcome;
  if (request.caller !== undefined) {
    method = cookie ? 'session' : methodOf(request.caller);
    outcome = 'success';
  } else if (reply.statusCode === 401 || reply.statusCode === 429) {
    method = token === null ? 'session' : shapeOf(token);
    outcome = reply.statusCode === 401 ? 'failure' : 'rate_limited';
  } else {
    return; // a public route: the credential was never looked at
  }
  if (method === null) return;
  families.authAttempts.inc({ method, outcome });
  if (method === 'api_key' && outcome !== 'rate_limited')
    families.apiKeyVerifications.inc({ outcome: outcome === 'success' ? 'valid' : 'invalid' });
}

/**
 * Adds the hook that counts, as each response starts, authentications by bearer credential or
 * session cookie (method and outcome, from the caller the authenticate hook set or the 401/429 it
 * answered). Reads no credential beyond its shape; add it before routes register.
 */
export function observeHttp(
  app: FastifyInstance,
  options: { families: EventFamilies; authDisabled: boolean },
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!options.authDisabled) countCredential(options.families, request, reply);
    return payload;
  });
}
