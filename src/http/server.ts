import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Settings } from '../config/index.ts';
import { AppError } from '../errors/index.ts';
import {
  AuthFileError,
  type AuthFiles,
  createIdentityContext,
  ensurePlatformAdmin,
  type IdentityContext,
  purgeExpiredApiKeys,
  startAuthFiles,
} from '../identity/index.ts';

const KEY_CLEANUP_INTERVAL_MS = 60 * 60_000;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
import { Gateway } from '../gateway/index.ts';
import { createMailerFromSettings, type Mailer, mailNotifier } from '../mail/index.ts';
import { createMetrics } from '../metrics/index.ts';
import { type SharedState, startSharedState } from '../shared-state/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { startTracing } from '../tracing/index.ts';
import { createOAuthServer } from '../oauth/index.ts';
import { buildApp } from './app.ts';
import { listenMetrics } from './routes/metrics.ts';

/** A listening Gatehouse. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  identity: IdentityContext;
  gateway: Gateway;
  /** The address it listens on, e.g. http://127.0.0.1:4444. */
  url: string;
  /** Stops accepting, drains in-flight requests (up to SHUTDOWN_GRACE_SECONDS), closes the database. Resolves to an exit code. */
  shutdown(reason: string): Promise<number>;
}

/** Why start-up failed, with the exit code the CLI should use (2: a settings problem). */
export class StartupError extends Error {
  override name = 'StartupError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

async function bootstrapAdmin(identity: IdentityContext): Promise<void> {
  let outcome: Awaited<ReturnType<typeof ensurePlatformAdmin>>;
  try {
    outcome = await ensurePlatformAdmin(identity);
  } catch (error) {
    if (error instanceof AppError && error.code === 'password_policy') {
      const violations = (error.details?.violations as string[] | undefined) ?? [];
      throw new StartupError(
        `PLATFORM_ADMIN_PASSWORD breaks the password policy: ${violations.join('; ')}`,
        2,
      );
    }
    throw error;
  }
  if (outcome.action === 'managed_by_file' && identity.settings.platformAdminPassword !== undefined) {
    identity.logger.warn(
      { user_email: outcome.email },
      'PLATFORM_ADMIN_PASSWORD not applied: the platform admin is defined in AUTH_USER_FILE',
    );
  }
  if (outcome.action === 'created' && outcome.generatedPassword) {
    // Shown once, on stderr, never in the JSON log.
    process.stderr.write(
      `\nGatehouse created the platform admin ${outcome.email} with this generated password:\n\n    ${outcome.generatedPassword}\n\nIt is not shown again. Log in and change it, or set PLATFORM_ADMIN_PASSWORD.\n\n`,
    );
  }
}

/**
 * Opens the database, applies migrations, builds the app and listens. `extendApp` lets an
 * embedding program add routes before listening. Throws StartupError with a one-line reason.
 */
export async function startServer(
  settings: Settings,
  logger: FastifyBaseLogger,
  options: { extendApp?: (app: FastifyInstance, store: Store) => void; noAuth?: boolean } = {},
): Promise<RunningServer> {
  if (options.noAuth && !LOOPBACK.has(settings.host)) {
    throw new StartupError(
      `--no-auth serves only on a loopback HOST (127.0.0.1, ::1, localhost), not ${settings.host}`,
      2,
    );
  }
  const store = openStore(settings.databaseUrl, {
    poolSize: settings.databasePoolSize,
    onPoolError: (error) => logger.warn({ err: { message: error.message } }, 'database connection lost'),
  });
  const migrated = await store.migrate();
  if (migrated.error) {
    await store.close();
    throw new StartupError(`database migration failed: ${migrated.error.message}`);
  }
  if (migrated.applied.length > 0) logger.info({ migrations: migrated.applied }, 'database migrated');

  let mailer: Mailer;
  try {
    mailer = createMailerFromSettings(settings, store.mailOutbox, logger);
  } catch (error) {
    await store.close();
    throw new StartupError((error as Error).message, 2);
  }
  // REDIS_URL: rate limits, key evictions and backend changes are shared with the other replicas.
  const shared: SharedState | undefined = settings.redisUrl
    ? await startSharedState({ url: settings.redisUrl, prefix: settings.redisKeyPrefix, logger })
    : undefined;
  const identity = await createIdentityContext(settings, store, logger, {
    notifier: mailNotifier(mailer),
    authDisabled: options.noAuth ?? false,
    rateLimit: shared?.rateLimit,
    shareKeyCache: shared?.shareKeyCache,
  });
  if (options.noAuth) {
    logger.warn({ security_event: 'auth_disabled' }, 'authentication is disabled (--no-auth)');
    process.stderr.write(
      `\n!!! AUTHENTICATION IS DISABLED (--no-auth). Every request acts as ${settings.platformAdminEmail}.\n!!! For development on this machine only; never expose this server.\n\n`,
    );
  }
  let authFiles: AuthFiles;
  try {
    // File users first, so a platform admin defined in AUTH_USER_FILE is not created twice.
    authFiles = await startAuthFiles(identity);
    await bootstrapAdmin(identity);
  } catch (error) {
    await shared?.close();
    await store.close();
    if (error instanceof AuthFileError) throw new StartupError(error.message, 2);
    throw error;
  }
  mailer.start();
  identity.keyUsage.start();
  const keyCleanup = setInterval(() => {
    purgeExpiredApiKeys(identity).catch((error: Error) =>
      logger.warn({ err: { message: error.message } }, 'expired API key cleanup failed'),
    );
    store.oauth
      .deleteExpired(identity.now())
      .catch((error: Error) =>
        logger.warn({ err: { message: error.message } }, 'expired OAuth record cleanup failed'),
      );
  }, KEY_CLEANUP_INTERVAL_MS);
  keyCleanup.unref();
  const gateway = await Gateway.start(identity);
  shared?.shareBackendReloads(gateway);
  const metrics = settings.metricsEnabled ? createMetrics(identity, gateway) : undefined;
  const oauth = settings.oauthEnabled ? await createOAuthServer(settings, identity) : undefined;
  const tracing = (await startTracing(settings, logger)) ?? undefined;
  // Requests for an MCP session another replica holds are forwarded to it (REPLICA_URL).
  const sessions = shared?.openSessionDirectory({
    replicaUrl: settings.replicaUrl,
    secret: identity.sessionKey,
    sessionIdleMs: settings.mcpSessionIdleMinutes * 60_000,
  });
  const app = buildApp(settings, { store, logger, identity, gateway, metrics, oauth, sessions, tracing });
  if (shared) app.decorate('redisStatus', () => shared.status());
  options.extendApp?.(app, store);
  // The metrics port first: a process that cannot serve it must never have looked healthy.
  let metricsApp: FastifyInstance | undefined;
  if (metrics && settings.metricsPort !== undefined) {
    try {
      metricsApp = await listenMetrics(settings, metrics, logger);
    } catch (error) {
      authFiles.stop();
      await gateway.close();
      await shared?.close();
      await store.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new StartupError(
        `cannot listen on ${settings.host}:${settings.metricsPort} (METRICS_PORT): ${code ?? (error as Error).message}`,
      );
    }
  }
  let address: string;
  try {
    address = await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await metricsApp?.close();
    authFiles.stop();
    await gateway.close();
    await shared?.close();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new StartupError(
      `cannot listen on ${settings.host}:${settings.port}: ${code ?? (error as Error).message}`,
    );
  }

  // A client may open a connection and never send on it (undici does after an aborted stream);
  // server.close() waits for those, so shutdown ends them itself.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let stopping: Promise<number> | undefined;
  async function shutdown(reason: string): Promise<number> {
    logger.info({ reason }, 'shutting down: draining requests');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), settings.shutdownGraceSeconds * 1000);
    });
    const drained = await Promise.race([
      (async () => {
        const closing = app.close();
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
        await closing;
        await metricsApp?.close();
        metrics?.close();
        await gateway.close();
        // After the gateway, so the last tool calls' spans are exported too.
        await tracing?.shutdown();
        authFiles.stop();
        clearInterval(keyCleanup);
        // Reset tokens and notifications decided before the signal still reach the outbox.
        await identity.background.idle();
        await mailer.stop();
        await identity.keyUsage.stop();
        return 'drained' as const;
      })(),
      deadline,
    ]);
    clearTimeout(timer);
    await shared?.close();
    await store.close();
    if (drained === 'timeout') {
      logger.warn('shutdown grace period over: exiting with requests still open');
      return 1;
    }
    logger.info('shut down cleanly');
    return 0;
  }

  return {
    app,
    store,
    identity,
    gateway,
    url: address,
    shutdown(reason) {
      stopping ??= shutdown(reason);
      return stopping;
    },
  };
}
