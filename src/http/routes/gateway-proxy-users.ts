import type { FastifyInstance } from 'fastify';
import {
  createApiKey,
  createKeyOnlyUser,
  deleteUser,
  getUserByUsername,
  type IdentityContext,
  listAllUsers,
  listApiKeys,
  revokeApiKey,
  revokeApiKeyBySecret,
  setUserAccess,
  updateUser,
} from '../../identity/index.ts';
import type { UserRecord } from '../../store/index.ts';
import { AppError } from '../../errors/index.ts';
import { authenticate, requestContext } from '../plugins/authenticate.ts';
import { KEY_NOTE } from './own-keys.ts';

const usernameParam = {
  type: 'object',
  required: ['username'],
  properties: { username: { type: 'string', maxLength: 128 } },
} as const;
const nameList = { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 128 } } as const;

function view(user: UserRecord) {
  return {
    username: user.username,
    email: user.email,
    description: user.fullName,
    enabled: user.isActive,
    is_admin: user.isAdmin,
    allowed_mcps: user.allowedMcps,
    blocked_mcps: user.blockedMcps,
    tool_rules: user.toolRules,
    created_at: user.createdAt.toISOString(),
  };
}

/**
 * The user and key routes of the gateway-proxy reference (/users, /keys/revoke), over the same
 * services as /auth/email/admin. Admin only: in that proxy they were public, which was a hole.
 */
export async function gatewayProxyUserRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext },
): Promise<void> {
  const { identity } = options;
  app.addHook('onRequest', authenticate(identity, { admin: true }));

  app.post<{ Body: { username: string; email: string; description?: string } }>(
    '/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'email'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', maxLength: 128 },
            email: { type: 'string', maxLength: 1024 },
            description: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (request, reply) => {
      const user = await createKeyOnlyUser(
        identity,
        { email: request.body.email, username: request.body.username, fullName: request.body.description },
        requestContext(request),
      );
      return reply.status(201).send(view(user));
    },
  );

  app.get('/users', async () => ({ users: (await listAllUsers(identity)).map(view) }));

  app.get<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: usernameParam } },
    async (request) => view(await getUserByUsername(identity, request.params.username)),
  );

  app.delete<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: usernameParam } },
    async (request) => {
      const user = await getUserByUsername(identity, request.params.username);
      await deleteUser(identity, user.email, requestContext(request));
      return { status: 'deleted', username: user.username };
    },
  );

  app.patch<{ Params: { username: string }; Body: { enabled: boolean } }>(
    '/users/:username/enable',
    {
      schema: {
        params: usernameParam,
        body: {
          type: 'object',
          required: ['enabled'],
          additionalProperties: false,
          properties: { enabled: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const user = await getUserByUsername(identity, request.params.username);
      return view(
        await updateUser(identity, user.email, { isActive: request.body.enabled }, requestContext(request)),
      );
    },
  );

  app.post<{ Params: { username: string }; Body: { key_name: string; ttl_days?: number | null } }>(
    '/users/:username/keys',
    {
      schema: {
        params: usernameParam,
        body: {
          type: 'object',
          required: ['key_name'],
          additionalProperties: false,
          properties: {
            key_name: { type: 'string', maxLength: 100 },
            ttl_days: { type: ['integer', 'null'] },
          },
        },
      },
    },
    async (request, reply) => {
      const user = await getUserByUsername(identity, request.params.username);
      const { secret } = await createApiKey(
        identity,
        user,
        { name: request.body.key_name, ttlDays: request.body.ttl_days },
        requestContext(request),
      );
      reply.header('cache-control', 'no-store');
      return reply
        .status(201)
        .send({ status: 'created', username: user.username, api_key: secret, note: KEY_NOTE });
    },
  );

  app.get<{ Params: { username: string } }>(
    '/users/:username/keys',
    { schema: { params: usernameParam } },
    async (request) => {
      const user = await getUserByUsername(identity, request.params.username);
      return {
        username: user.username,
        keys: await listApiKeys(identity, user.id),
      };
    },
  );

  app.put<{
    Params: { username: string };
    Body: { allowed_mcps?: string[]; blocked_mcps?: string[]; tool_rules?: unknown[] };
  }>(
    '/users/:username/mcp-access',
    {
      schema: {
        params: usernameParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            allowed_mcps: nameList,
            blocked_mcps: nameList,
            tool_rules: { type: 'array', maxItems: 200, items: { type: 'object' } },
          },
        },
      },
    },
    async (request) => {
      const user = await getUserByUsername(identity, request.params.username);
      const updated = await setUserAccess(
        identity,
        user,
        {
          allowedMcps: request.body.allowed_mcps,
          blockedMcps: request.body.blocked_mcps,
          toolRules: request.body.tool_rules,
        },
        requestContext(request),
      );
      return view(updated);
    },
  );

  app.post<{ Body: { api_key?: string; key_id?: string } }>(
    '/keys/revoke',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            api_key: { type: 'string', maxLength: 256 },
            key_id: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request) => {
      const { api_key: secret, key_id: keyId } = request.body;
      if ((secret === undefined) === (keyId === undefined)) {
        throw new AppError('validation_failed', {
          details: { details: [{ field: 'api_key', message: 'give api_key or key_id' }] },
        });
      }
      const key =
        secret !== undefined
          ? await revokeApiKeyBySecret(identity, secret, requestContext(request))
          : await revokeApiKey(identity, keyId!, requestContext(request));
      return { status: 'revoked', key_id: key.id };
    },
  );
}
