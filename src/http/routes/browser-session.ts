import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Settings } from '../../config/index.ts';
import { AppError } from '../../errors/index.ts';
import {
  csrfTokenFor,
  type IdentityContext,
  type IssuedToken,
  login,
  logout,
  toUserView,
} from '../../identity/index.ts';
import { authenticate, requestContext, unauthorized } from '../plugins/authenticate.ts';
import { clearSessionCookie, setSessionCookie } from '../plugins/session-cookie.ts';

const loginBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email: { type: 'string', maxLength: 1024 }, password: { type: 'string', maxLength: 4096 } },
} as const;

/** Starts a browser session on `reply` with `token`; returns what the UI needs to know. */
export function startBrowserSession(
  identity: IdentityContext,
  settings: Settings,
  reply: FastifyReply,
  token: IssuedToken,
): { csrf_token: string; expires_at: string } {
  setSessionCookie(reply, settings, token.token, token.expiresIn);
  return { csrf_token: csrfTokenFor(identity, token.jti), expires_at: token.expiresAt.toISOString() };
}

/**
 * The admin UI's session, kept in an HttpOnly cookie instead of a bearer header: `POST
 * /auth/session` logs in (same rules as /auth/email/login), `GET` says who is logged in and
 * hands the UI its CSRF token again after a reload, `DELETE` logs out.
 */
export async function browserSessionRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext; settings: Settings },
): Promise<void> {
  const { identity, settings } = options;

  app.post<{ Body: { email: string; password: string } }>(
    '/auth/session',
    { schema: { body: loginBody } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const result = await login(
        identity,
        { identifier: request.body.email, password: request.body.password },
        requestContext(request),
      );
      switch (result.kind) {
        case 'ok':
          return {
            user: toUserView(result.user, identity.now()),
            ...startBrowserSession(identity, settings, reply, result.token),
          };
        case 'password_change_required':
          return reply.status(403).send({
            error: 'password_change_required',
            message: 'Password change required',
            user: toUserView(result.user, identity.now()),
            ...startBrowserSession(identity, settings, reply, result.token),
          });
        case 'rate_limited':
          throw new AppError('rate_limited', {
            headers: { 'retry-after': String(result.retryAfterSeconds) },
          });
        case 'rejected':
          throw unauthorized();
      }
    },
  );

  app.get(
    '/auth/session',
    { onRequest: authenticate(identity, { allowPasswordChangeToken: true }) },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { user, token } = request.caller!;
      if (token === null) throw unauthorized();
      return {
        user: toUserView(user, identity.now()),
        csrf_token: csrfTokenFor(identity, token.jti),
        expires_at: token.expiresAt.toISOString(),
        password_change_required: token.purpose === 'password_change',
      };
    },
  );

  app.delete(
    '/auth/session',
    { onRequest: authenticate(identity, { allowPasswordChangeToken: true }) },
    async (request, reply) => {
      await logout(identity, request.caller!, requestContext(request));
      clearSessionCookie(reply, settings);
      return reply.status(204).send();
    },
  );
}
