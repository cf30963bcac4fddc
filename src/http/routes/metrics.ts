import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Settings } from '../../config/index.ts';
import { AppError } from '../../errors/index.ts';
import type { Metrics } from '../../metrics/index.ts';
import { installErrorHandlers } from '../error-handler.ts';
import { unauthorized } from '../plugins/authenticate.ts';

/** Who may scrape: bearers of METRICS_TOKEN, anyone reaching METRICS_PORT, or loopback clients. */
export type MetricsAccess = 'token' | 'separate_port' | 'loopback';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
// A proxy on the same machine connects from loopback on behalf of remote clients, and says so.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** How /metrics is protected under these settings. */
export function metricsAccess(settings: Settings): MetricsAccess {
  if (settings.metricsToken !== undefined) return 'token';
  return settings.metricsPort !== undefined ? 'separate_port' : 'loopback';
}

function sameSecret(offered: string, expected: string): boolean {
  // Equal-length digests, so the comparison time says nothing about the token.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(offered), digest(expected));
}

function isLoopbackPeer(request: FastifyRequest): boolean {
  const peer = request.socket.remoteAddress ?? '';
  const direct = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  return direct && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);
}

/** Throws 401 (token mode) or 403 (loopback mode) unless `request` may read the metrics. */
function assertMayScrape(request: FastifyRequest, settings: Settings): void {
  const access = metricsAccess(settings);
  if (access === 'token') {
    const header = request.headers.authorization;
    const offered = typeof header === 'string' ? /^Bearer +(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (offered === undefined || !sameSecret(offered, settings.metricsToken as string)) throw unauthorized();
    return;
  }
  if (access === 'loopback' && !isLoopbackPeer(request)) {
    throw new AppError('forbidden', {
      message: 'Metrics are served to loopback clients only; set METRICS_TOKEN or METRICS_PORT',
    });
  }
}

/**
 * `GET /metrics`: the Prometheus exposition of this process. With METRICS_TOKEN, only for
 * `Authorization: Bearer <token>` (401 otherwise); without it, to anyone reaching METRICS_PORT
 * when that is set, else to direct loopback clients only (403 otherwise, and for requests that
 * came through a proxy).
 */
export async function metricsRoutes(
  app: FastifyInstance,
  options: { metrics: Metrics; settings: Settings },
): Promise<void> {
  const { metrics, settings } = options;
  const access = metricsAccess(settings);
  app.log.info({ metrics_access: access }, 'metrics served at /metrics');
  if (access === 'separate_port' && !LOOPBACK_HOSTS.has(settings.host)) {
    app.log.warn(
      { metrics_access: access },
      `METRICS_PORT ${settings.metricsPort} answers anyone reaching ${settings.host} without a token: keep it off public networks or set METRICS_TOKEN`,
    );
  }
  app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
    assertMayScrape(request, settings);
    const { contentType, text } = await metrics.render();
    return reply.header('cache-control', 'no-store').type(contentType).send(text);
  });
}

/**
 * Serves `/metrics` alone on METRICS_PORT of HOST (everything else: 404) and resolves to that
 * app once it listens; close it to stop. Rejects as `listen()` does (such as EADDRINUSE).
 */
export async function listenMetrics(
  settings: Settings,
  metrics: Metrics,
  logger: FastifyBaseLogger,
): Promise<FastifyInstance> {
  if (settings.metricsPort === undefined) throw new TypeError('METRICS_PORT is not set');
  const app = Fastify({ loggerInstance: logger, return503OnClosing: false });
  installErrorHandlers(app);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  app.register(metricsRoutes, { metrics, settings });
  await app.listen({ host: settings.host, port: settings.metricsPort });
  return app;
}
