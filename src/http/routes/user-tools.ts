import type { FastifyInstance } from 'fastify';
import { type Gateway, previewTools } from '../../gateway/index.ts';
import { getUserByEmail, type IdentityContext } from '../../identity/index.ts';
import { authenticate } from '../plugins/authenticate.ts';

/** `GET /auth/email/admin/users/{email}/tools`: the tools that user would see on /mcp (admin). */
export async function userToolsRoute(
  app: FastifyInstance,
  options: { identity: IdentityContext; gateway: Gateway },
): Promise<void> {
  const { identity, gateway } = options;
  app.get<{ Params: { email: string } }>(
    '/auth/email/admin/users/:email/tools',
    {
      onRequest: authenticate(identity, { admin: true }),
      schema: {
        params: {
          type: 'object',
          required: ['email'],
          properties: { email: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (request) => ({
      tools: await previewTools(gateway, await getUserByEmail(identity, request.params.email)),
    }),
  );
}
