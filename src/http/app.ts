import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Settings } from '../config/index.ts';
import { AppError } from '../errors/index.ts';
import type { Gateway } from '../gateway/index.ts';
import type { IdentityContext } from '../identity/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { OAuthServer } from '../oauth/index.ts';
import type { SessionDirectory } from '../shared-state/index.ts';
import type { Store } from '../store/index.ts';
import type { Tracing } from '../tracing/index.ts';
import { frameworkErrors, installErrorHandlers } from './error-handler.ts';
import { adminUiRoutes } from './routes/admin-ui.ts';
import { adminUserRoutes } from './routes/admin-users.ts';
import { authEmailRoutes } from './routes/auth-email.ts';
import { browserSessionRoutes } from './routes/browser-session.ts';
import { backendRoutes } from './routes/backends.ts';
import { gatewayProxyUserRoutes } from './routes/gateway-proxy-users.ts';
import { healthRoutes } from './routes/health.ts';
import { legacySseRoutes } from './routes/legacy-sse.ts';
import { mcpRoutes } from './routes/mcp.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { installResourceProtection, oauthRoutes } from './routes/oauth.ts';
import { ownKeyRoutes } from './routes/own-keys.ts';
import { userToolsRoute } from './routes/user-tools.ts';
import { passwordResetRoutes } from './routes/password-reset.ts';
import { trackRouteMethods } from './method-not-allowed.ts';
import { requestLogger } from './request-logger.ts';
import { sessionForwarding } from './plugins/session-forwarding.ts';
import { installValidators } from './validation.ts';

/** What the HTTP app needs from the rest of the process. */
export interface AppDeps {
  store: Store;
  logger: FastifyBaseLogger;
  identity: IdentityContext;
  gateway: Gateway;
  /** The OAuth authorization server; unset when OAUTH_ENABLED=false. */
  oauth?: OAuthServer;
  /** Prometheus metrics: observed on this app, served at /metrics here unless METRICS_PORT is set. */
  metrics?: Metrics;
  /** OpenTelemetry tracing, when the OTEL_* settings turn it on: a span per request. */
  tracing?: Tracing;
  /** Where the MCP sessions of every replica are held (REDIS_URL); unset with one replica. */
  sessions?: SessionDirectory;
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// Node looks for requests past their timeouts every 30 s by default, so a slow client could
// outstay HTTP_HEADERS_TIMEOUT_MS by that much; once a second bounds the overrun.
const CONNECTION_CHECK_INTERVAL_MS = 1000;

/**
 * Builds the Fastify app without listening: tests call `inject()` on it, `serve` calls `listen()`.
 * Only JSON bodies are accepted (others get 415), bodies over BODY_LIMIT_BYTES get 413, every
 * response carries X-Request-Id, and requests that arrive while closing get 503.
 */
export function buildApp(settings: Settings, deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    // A request's logger is made on its first line: most MCP requests write none.
    childLoggerFactory: requestLogger,
    bodyLimit: settings.bodyLimitBytes,
    // Slowloris: headers and whole requests must arrive in time (408 and disconnect). Fastify's
    // own default of requestTimeout 0 would let a slow body hold a connection for ever.
    requestTimeout: settings.httpRequestTimeoutMs,
    http: {
      headersTimeout: settings.httpHeadersTimeoutMs,
      requestTimeout: settings.httpRequestTimeoutMs,
      connectionsCheckingInterval: CONNECTION_CHECK_INTERVAL_MS,
    },
    trustProxy: settings.trustedProxies.length > 0 ? [...settings.trustedProxies] : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const offered = req.headers['x-request-id'];
      return typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    },
    return503OnClosing: false,
    frameworkErrors,
  });
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app, trackRouteMethods(app));
  installValidators(app);
  // First, so a request's span covers every other hook.
  deps.tracing?.traceRequests(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    if (closing) {
      reply.header('connection', 'close');
      throw new AppError('service_unavailable', { headers: { 'retry-after': '1' } });
    }
  });

  // A response finishing after close began must end its keep-alive connection, or close() would
  // wait for the client to hang up (up to the keep-alive timeout).
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  if (deps.metrics) {
    deps.metrics.observeHttp(app);
    if (settings.metricsPort === undefined) app.register(metricsRoutes, { metrics: deps.metrics, settings });
  }
  if (deps.oauth) {
    installResourceProtection(app, deps.identity, deps.oauth);
    app.register(oauthRoutes, { identity: deps.identity, oauth: deps.oauth });
  }
  app.register(healthRoutes, { store: deps.store });
  app.register(authEmailRoutes, { identity: deps.identity });
  app.register(browserSessionRoutes, { identity: deps.identity, settings });
  app.register(adminUserRoutes, { identity: deps.identity });
  app.register(passwordResetRoutes, { identity: deps.identity });
  app.register(adminUiRoutes);
  app.register(ownKeyRoutes, { identity: deps.identity });
  app.register(gatewayProxyUserRoutes, { identity: deps.identity });
  app.register(backendRoutes, { identity: deps.identity, gateway: deps.gateway });
  app.register(userToolsRoute, { identity: deps.identity, gateway: deps.gateway });
  // One way to the other replicas (one keep-alive pool) for both MCP transports.
  const forwarding = sessionForwarding(deps.sessions);
  const mcp = {
    identity: deps.identity,
    gateway: deps.gateway,
    settings,
    sessions: deps.sessions,
    forwarding,
  };
  app.register(mcpRoutes, mcp);
  app.register(legacySseRoutes, mcp);
  return app;
}
