import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.ts';

/**
 * `GET /health`: public liveness; says only that the process answers.
 * `GET /ready`: readiness; 503 while the database does not answer, 200 as soon as it does again.
 */
export async function healthRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  app.get('/health', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/ready', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (await options.store.ping()) return { status: 'ready' };
    return reply.status(503).send({ status: 'unavailable' });
  });
}
