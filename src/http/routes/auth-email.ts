import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/index.ts';
import { changePassword, type IdentityContext, login, logout, toUserView } from '../../identity/index.ts';
import { authenticate, requestContext, unauthorized } from '../plugins/authenticate.ts';
import { clearSessionCookie } from '../plugins/session-cookie.ts';
import { startBrowserSession } from './browser-session.ts';

const loginBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email: { type: 'string', maxLength: 1024 }, password: { type: 'string', maxLength: 4096 } },
} as const;

const changePasswordBody = {
  type: 'object',
  required: ['old_password', 'new_password'],
  properties: {
    old_password: { type: 'string', maxLength: 4096 },
    new_password: { type: 'string', maxLength: 4096 },
  },
} as const;

/** The ContextForge-compatible self-service routes under /auth/email. */
export async function authEmailRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext },
): Promise<void> {
  const { identity } = options;
  const tokenBody = (token: { token: string; expiresIn: number }) => ({
    access_token: token.token,
    token_type: 'bearer',
    expires_in: token.expiresIn,
  });

  app.post<{ Body: { email: string; password: string } }>(
    '/auth/email/login',
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
          return { ...tokenBody(result.token), user: toUserView(result.user, identity.now()) };
        case 'password_change_required':
          // A token that only POST /auth/email/change-password accepts, so headless clients are never stuck.
          reply.header('x-password-change-required', 'true');
          return reply.status(403).send({
            error: 'password_change_required',
            message: 'Password change required',
            ...tokenBody(result.token),
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

  app.post('/auth/email/logout', { onRequest: authenticate(identity) }, async (request, reply) => {
    await logout(identity, request.caller!, requestContext(request));
    if (request.viaSessionCookie) clearSessionCookie(reply, identity.settings);
    return { status: 'ok' };
  });

  app.get('/auth/email/me', { onRequest: authenticate(identity) }, async (request) =>
    toUserView(request.caller!.user, identity.now()),
  );

  app.post<{ Body: { old_password: string; new_password: string } }>(
    '/auth/email/change-password',
    {
      schema: { body: changePasswordBody },
      onRequest: authenticate(identity, { allowPasswordChangeToken: true }),
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token, user } = await changePassword(
        identity,
        request.caller!,
        { oldPassword: request.body.old_password, newPassword: request.body.new_password },
        requestContext(request),
      );
      // A browser session continues as a full session (the old cookie died with the change).
      const browser = request.viaSessionCookie
        ? startBrowserSession(identity, identity.settings, reply, token)
        : {};
      return { ...tokenBody(token), user: toUserView(user, identity.now()), ...browser };
    },
  );

  app.get('/auth/email/password-policy', async () => identity.policy.describe());
}
