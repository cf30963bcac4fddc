import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { pino } from 'pino';
import type { Settings } from '../../config/index.ts';
import { AppError } from '../../errors/index.ts';
import {
  createCallerServer,
  Gateway,
  type GatewayCaller,
  notifyListChanged,
  notifySessionLog,
  type ServeScope,
} from '../../gateway/index.ts';
import { createLogger } from '../../http/index.ts';
import {
  type Authenticated,
  authenticateApiKey,
  AuthFileError,
  createIdentityContext,
  type IdentityContext,
  localUserCaller,
  startAuthFiles,
} from '../../identity/index.ts';
import { openStore } from '../../store/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext } from '../identity-session.ts';
import { loadSettingsOrReport } from '../settings.ts';

/** Who the stdio server acts as: an API key, or a local user named by the operator. */
type Credential = { apiKey: string } | { email: string };

function fail(message: string, code: number = EXIT.failure): number {
  process.stderr.write(`gatehouse: ${message}\n`);
  return code;
}

/** The gateway caller, or null after telling why not (every backend blocked). */
function callerOrFail(gateway: Gateway, authenticated: Authenticated): GatewayCaller | null {
  try {
    return gateway.callerFor(authenticated);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    fail(error.message);
    return null;
  }
}

/** The caller behind `credential` now; null when the key or the user is not (or no longer) valid. */
async function authenticateCredential(
  identity: IdentityContext,
  credential: Credential,
): Promise<Authenticated | null> {
  if ('apiKey' in credential) {
    const result = await authenticateApiKey(identity, credential.apiKey);
    return result === null || 'rejected' in result ? null : result;
  }
  return localUserCaller(identity, credential.email);
}

/**
 * Serves the caller's aggregate on stdin/stdout until stdin ends, SIGTERM or SIGINT (exit 0), or
 * until a periodic re-check finds the credential revoked, expired or disabled (exit 1).
 */
async function serveUntilDone(
  identity: IdentityContext,
  gateway: Gateway,
  credential: Credential,
  scope: ServeScope,
): Promise<number> {
  const { logger, settings } = identity;
  const sessions = new Set<{ server: Server; scope: ServeScope }>();
  const handle = serveStdio(
    () => {
      const session = { server: createCallerServer(gateway, scope), scope };
      sessions.add(session);
      session.server.onclose = () => sessions.delete(session);
      return session.server;
    },
    { onerror: (error) => logger.debug({ err: { message: error.message } }, 'stdio message refused') },
  );
  const unsubscribe = gateway.pool.onListChanged((backend, kind) =>
    notifyListChanged(sessions, backend, kind),
  );
  const unsubscribeLog = gateway.onSessionLog((slot, params) => notifySessionLog(sessions, slot, params));

  let finish: (code: number) => void = () => undefined;
  let finished = false;
  const done = new Promise<number>((resolve) => {
    finish = (code) => {
      finished = true;
      resolve(code);
    };
  });
  const onEnd = () => finish(EXIT.ok);
  process.stdin.once('end', onEnd).once('close', onEnd);
  process.once('SIGTERM', onEnd).once('SIGINT', onEnd);

  // A revoked key, a disabled user or a policy change reaches this long-lived process too, within
  // API_KEY_CACHE_TTL_SECONDS (a database error keeps the caller as it was).
  let timer: NodeJS.Timeout | undefined;
  const recheck = async () => {
    const current = await authenticateCredential(identity, credential).catch(() => undefined);
    if (finished) return;
    if (current === null) return finish(fail('the credential is no longer valid; closing'));
    const caller = current ? callerOrFail(gateway, current) : scope.caller;
    if (caller === null) return finish(EXIT.failure);
    scope.caller = caller;
    timer = setTimeout(() => void recheck(), settings.apiKeyCacheTtlSeconds * 1000);
  };
  timer = setTimeout(() => void recheck(), settings.apiKeyCacheTtlSeconds * 1000);

  const code = await done;
  clearTimeout(timer);
  process.stdin.off('end', onEnd).off('close', onEnd);
  process.off('SIGTERM', onEnd).off('SIGINT', onEnd);
  unsubscribe();
  unsubscribeLog();
  await handle.close();
  logger.info({ code }, 'stdio session closed');
  return code;
}

async function serveAs(identity: IdentityContext, credential: Credential): Promise<number> {
  const authenticated = await authenticateCredential(identity, credential);
  if (authenticated === null) {
    return fail(
      'apiKey' in credential
        ? 'the API key is invalid, expired or revoked, or its user is disabled'
        : `no active user ${credential.email}`,
    );
  }
  const { user } = authenticated;
  if ('email' in credential) {
    await identity.audit.record(
      { type: 'stdio_local_user', success: true, userId: user.id, userEmail: user.email },
      cliContext(),
    );
  }
  const gateway = await Gateway.start(identity);
  try {
    const caller = callerOrFail(gateway, authenticated);
    if (caller === null) return EXIT.failure;
    identity.logger.info({ user_email: user.email, key_id: caller.keyId ?? undefined }, 'serving on stdio');
    return await serveUntilDone(identity, gateway, credential, { caller, sessionId: randomUUID() });
  } finally {
    await gateway.close();
  }
}

async function withIdentityServices(
  { settings, warnings }: { settings: Settings; warnings: readonly string[] },
  work: (identity: IdentityContext) => Promise<number>,
): Promise<number> {
  // stdout carries the protocol alone: every log line goes to stderr.
  const logger = createLogger(settings.logLevel, pino.destination(2));
  for (const warning of warnings) logger.warn({ config_warning: true }, warning);
  const store = openStore(settings.databaseUrl, {
    poolSize: settings.databasePoolSize,
    onPoolError: (error) => logger.warn({ err: { message: error.message } }, 'database connection lost'),
  });
  try {
    const migrated = await store.migrate();
    if (migrated.error) return fail(`database migration failed: ${migrated.error.message}`);
    const identity = await createIdentityContext(settings, store, logger);
    let authFiles: Awaited<ReturnType<typeof startAuthFiles>>;
    try {
      authFiles = await startAuthFiles(identity);
    } catch (error) {
      if (error instanceof AuthFileError) return fail(error.message, EXIT.usage);
      throw error;
    }
    identity.keyUsage.start();
    try {
      return await work(identity);
    } finally {
      authFiles.stop();
      await identity.background.idle();
      await identity.keyUsage.stop();
    }
  } finally {
    await store.close();
  }
}

/**
 * `gatehouse stdio`: serves what `/mcp` serves over stdin/stdout, for a local MCP client, as the
 * identity of an API key (`--api-key` or GATEHOUSE_API_KEY) or of a user (`--user`, audited).
 * Resolves to 0 when stdin ends or on SIGTERM/SIGINT; 1 when the credential is refused or every
 * backend is blocked; 2 on invalid settings or usage.
 */
export async function stdio(options: { config?: string; apiKey?: string; user?: string }): Promise<number> {
  if (options.apiKey !== undefined && options.user !== undefined)
    return fail('give --api-key or --user, not both', EXIT.usage);
  const apiKey = options.apiKey ?? (process.env.GATEHOUSE_API_KEY?.trim() || undefined);
  const credential: Credential | null =
    options.user !== undefined ? { email: options.user } : apiKey ? { apiKey } : null;
  if (credential === null) return fail('stdio needs GATEHOUSE_API_KEY, --api-key or --user', EXIT.usage);
  const loaded = loadSettingsOrReport(options.config);
  if (loaded === null) return EXIT.usage;
  return withIdentityServices(loaded, (identity) => serveAs(identity, credential));
}
