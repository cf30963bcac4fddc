import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Settings } from '../../config/index.ts';
import { AppError } from '../../errors/index.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An onRequest hook for the MCP endpoints (MCP transport spec: servers must validate Origin, against
 * DNS rebinding). A request without Origin (a non-browser client) passes; a browser's Origin must be
 * this gateway's own (PUBLIC_BASE_URL), one listed in MCP_ALLOWED_ORIGINS, or a loopback origin while
 * Gatehouse itself listens on loopback. Anything else: 403.
 */
export function checkOrigin(settings: Settings): onRequestAsyncHookHandler {
  const allowed = new Set([new URL(settings.publicBaseUrl).origin, ...settings.mcpAllowedOrigins]);
  const loopbackServer = LOOPBACK_HOSTS.has(settings.host) || settings.host === '::1';
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (allowed.has(origin)) return;
    if (loopbackServer && URL.canParse(origin) && LOOPBACK_HOSTS.has(new URL(origin).hostname)) return;
    throw new AppError('forbidden', { message: 'Origin not allowed' });
  };
}
