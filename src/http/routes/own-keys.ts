import type { FastifyInstance } from 'fastify';
import {
  assertCanManageKeys,
  createApiKey,
  type IdentityContext,
  listApiKeys,
  revokeApiKey,
  toApiKeyView,
} from '../../identity/index.ts';
import { authenticate, requestContext } from '../plugins/authenticate.ts';

/** Shown with every new key. */
export const KEY_NOTE = 'Save this key immediately — it will not be shown again';

export const createKeyBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 100 },
    ttl_days: { type: ['integer', 'null'] },
    expires_at: { type: ['string', 'null'], maxLength: 64 },
    scope: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        allowed_mcps: { type: 'array', items: { type: 'string' } },
        blocked_mcps: { type: 'array', items: { type: 'string' } },
        tool_rules: { type: 'array', items: { type: 'object' } },
      },
    },
    admin: { type: 'boolean' },
  },
} as const;

/** The API's snake_case scope as an access policy's fields (validated by the service). */
export function scopeFromApi(scope: Record<string, unknown> | null | undefined): unknown {
  if (scope === null || scope === undefined) return scope;
  const policy: Record<string, unknown> = {};
  if (scope.allowed_mcps !== undefined) policy.allowedMcps = scope.allowed_mcps;
  if (scope.blocked_mcps !== undefined) policy.blockedMcps = scope.blocked_mcps;
  if (scope.tool_rules !== undefined) policy.toolRules = scope.tool_rules;
  return policy;
}

/** Self-service API keys of the logged-in user: /auth/keys. */
export async function ownKeyRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext },
): Promise<void> {
  const { identity } = options;
  app.addHook('onRequest', authenticate(identity));
  app.addHook('onRequest', async (request) => assertCanManageKeys(request.caller!));

  app.get('/auth/keys', async (request) => ({ keys: await listApiKeys(identity, request.caller!.user.id) }));

  app.post<{
    Body: {
      name: string;
      ttl_days?: number | null;
      expires_at?: string | null;
      scope?: Record<string, unknown> | null;
      admin?: boolean;
    };
  }>('/auth/keys', { schema: { body: createKeyBody } }, async (request, reply) => {
    const { key, secret } = await createApiKey(
      identity,
      request.caller!.user,
      {
        name: request.body.name,
        ttlDays: request.body.ttl_days,
        expiresAt: request.body.expires_at,
        scope: scopeFromApi(request.body.scope),
        admin: request.body.admin,
      },
      requestContext(request),
    );
    reply.header('cache-control', 'no-store');
    return reply
      .status(201)
      .send({ key: toApiKeyView(key, identity.now()), api_key: secret, note: KEY_NOTE });
  });

  app.delete<{ Params: { id: string } }>(
    '/auth/keys/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } } },
    async (request) => {
      await revokeApiKey(identity, request.params.id, requestContext(request), {
        ownerId: request.caller!.user.id,
      });
      return { status: 'revoked' };
    },
  );
}
