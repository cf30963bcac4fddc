import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's Redis state (REDIS_URL): 'degraded' while it runs on local limits. Unset without Redis. */
    redisStatus?: () => 'ok' | 'degraded';
  }
}

/**
 * `GET /health`: public liveness; says only that the process answers.
 * `GET /ready`: readiness; 503 while the database does not answer, 200 as soon as it does again.
 * With Redis it also says `database` and `redis`; Redis being down never makes a replica unready
 * (it serves on local limits), so `redis: "degraded"` comes with 200.
 */
export async function healthRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  app.get('/health', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/ready', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const database = await options.store.ping();
    const redis = app.redisStatus?.();
    if (redis === undefined) {
      if (database) return { status: 'ready' };
      return reply.status(503).send({ status: 'unavailable' });
    }
    if (database) return { status: 'ready', database: 'ok', redis };
    return reply.status(503).send({ status: 'unavailable', database: 'unavailable', redis });
  });
}
