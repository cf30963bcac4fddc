import type { FastifyInstance } from 'fastify';
import {
  createBackend,
  deleteBackend,
  type Gateway,
  getBackendConfig,
  listBackendConfigs,
  redactBackend,
  updateBackend,
} from '../../gateway/index.ts';
import type { IdentityContext } from '../../identity/index.ts';
import { authenticate, requestContext } from '../plugins/authenticate.ts';

const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 64 } },
} as const;
const objectBody = { type: 'object' } as const;

/**
 * Admin API of backend MCP servers: `GET|POST /backends`, `GET|PATCH|DELETE /backends/{name}`,
 * and `GET /status` (health of each). Changes apply to the running gateway at once. Secrets in
 * env and headers are write-only: every answer shows them as `********`.
 */
export async function backendRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext; gateway: Gateway },
): Promise<void> {
  const { identity, gateway } = options;
  const changed = () => gateway.reloadBackends();
  app.addHook('onRequest', authenticate(identity, { admin: true }));

  app.get('/backends', async () => ({
    backends: (await listBackendConfigs(identity)).map(redactBackend),
  }));

  app.post<{ Body: Record<string, unknown> }>(
    '/backends',
    { schema: { body: objectBody } },
    async (request, reply) => {
      const config = await createBackend(identity, request.body, requestContext(request), changed);
      return reply.status(201).send(redactBackend(config));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/backends/:name',
    { schema: { params: nameParam } },
    async (request) => redactBackend(await getBackendConfig(identity, request.params.name)),
  );

  app.patch<{ Params: { name: string }; Body: Record<string, unknown> }>(
    '/backends/:name',
    { schema: { params: nameParam, body: objectBody } },
    async (request) =>
      redactBackend(
        await updateBackend(identity, request.params.name, request.body, requestContext(request), changed),
      ),
  );

  app.delete<{ Params: { name: string } }>(
    '/backends/:name',
    { schema: { params: nameParam } },
    async (request, reply) => {
      await deleteBackend(identity, request.params.name, requestContext(request), changed);
      return reply.status(204).send();
    },
  );

  app.get('/status', async () => ({ backends: gateway.status() }));
}
