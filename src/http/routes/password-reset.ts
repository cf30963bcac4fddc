import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/index.ts';
import {
  checkResetToken,
  completePasswordReset,
  FORGOT_PASSWORD_MESSAGE,
  type IdentityContext,
  requestPasswordReset,
} from '../../identity/index.ts';
import { requestContext } from '../plugins/authenticate.ts';

const tokenParam = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', maxLength: 256 } },
} as const;

// Responses that carry or check a reset token must not leak it to other sites or caches.
function noLeak(reply: FastifyReply): void {
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cache-control', 'no-store');
}

/** Self-service password reset: forgot-password, then check and complete with the mailed token. */
export async function passwordResetRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext },
): Promise<void> {
  const { identity } = options;
  app.addHook('onRequest', async (_request, reply) => {
    noLeak(reply);
    if (!identity.settings.passwordResetEnabled) throw new AppError('password_reset_disabled');
  });

  app.post<{ Body: { email: string } }>(
    '/auth/email/forgot-password',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email'],
          properties: { email: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const result = await requestPasswordReset(identity, request.body.email, requestContext(request));
      if (result.kind === 'rate_limited') {
        throw new AppError('rate_limited', { headers: { 'retry-after': String(result.retryAfterSeconds) } });
      }
      return { message: FORGOT_PASSWORD_MESSAGE };
    },
  );

  app.get<{ Params: { token: string } }>(
    '/auth/email/reset-password/:token',
    { schema: { params: tokenParam } },
    async (request) => {
      const { expiresAt } = await checkResetToken(identity, request.params.token, request.ip);
      return { valid: true, expires_at: expiresAt.toISOString() };
    },
  );

  app.post<{ Params: { token: string }; Body: { new_password: string; confirm_password: string } }>(
    '/auth/email/reset-password/:token',
    {
      schema: {
        params: tokenParam,
        body: {
          type: 'object',
          required: ['new_password', 'confirm_password'],
          properties: {
            new_password: { type: 'string', maxLength: 4096 },
            confirm_password: { type: 'string', maxLength: 4096 },
          },
        },
      },
    },
    async (request) => {
      await completePasswordReset(
        identity,
        request.params.token,
        { newPassword: request.body.new_password, confirmPassword: request.body.confirm_password },
        requestContext(request),
      );
      return { message: 'Password has been reset. Log in with the new password.' };
    },
  );
}
