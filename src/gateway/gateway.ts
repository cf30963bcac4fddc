import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors/index.ts';
import {
  allBackendsBlocked,
  type Authenticated,
  canUseBackend,
  type IdentityContext,
} from '../identity/index.ts';
import { applyConfiguredBackends, listBackendConfigs } from './backends/manage-backends.ts';
import { type GatewayCaller, gatewayCaller, isSameIdentity } from './caller.ts';
import { ToolCallAudit, type ToolCallRecord } from './tool-audit.ts';
import {
  buildCatalog,
  type Catalog,
  type CatalogBackend,
  type PrefixMode,
  singleBackendCatalog,
} from './catalog/index.ts';
import { DownstreamCall } from './serve/downstream-call.ts';
import { InputBridge } from './serve/input-bridge.ts';
import { ResourceSubscriptions } from './serve/resource-subscriptions.ts';
import {
  type BackendConfig,
  type BackendConnection,
  BackendPool,
  type BackendPoolOptions,
  type BackendStatus,
  type ServerRequestHandler,
  type Slot,
} from './upstream/index.ts';
import {
  type LoggingMessageNotificationParams,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/server';

/** Overrides of the pool's defaults (tests turn the health timer off); the rest comes from settings. */
export interface GatewayOptions {
  pool?: BackendPoolOptions;
}

async function listsOf(connection: BackendConnection): Promise<Omit<CatalogBackend, 'name'>> {
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    connection.listTools(),
    connection.listResources(),
    connection.listResourceTemplates(),
    connection.listPrompts(),
  ]);
  return { tools, resources, resourceTemplates, prompts };
}

/** How long a caller's catalog is reused at most, even without a change notice (a backend that went down). */
const CATALOG_TTL_MS = 1000;
const CATALOG_CACHE_SIZE = 1000;

/**
 * Sends a backend's sampling, elicitation or roots request to the downstream client whose call is
 * in flight on that connection. The 2025 protocol does not say which call a server request belongs
 * to, so with several calls in flight on a shared connection the request is refused rather than
 * sent to the wrong client (per-user or per-session isolation avoids this), as it is when that
 * client cannot be asked.
 */
const routeServerRequest: ServerRequestHandler = async (method, params, context) => {
  const calls = downstreamCalls(context.callers);
  if (calls.length !== 1)
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `No single client to route ${method} to`);
  const ask = calls[0]!.ask;
  if (ask === null)
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `The calling client cannot answer ${method}`);
  return ask(method, params, context.signal);
};

function downstreamCalls(callers: readonly unknown[]): DownstreamCall[] {
  return [...new Set(callers)].filter((caller) => caller instanceof DownstreamCall);
}

/** Who hears a log message that no call in flight can claim (see Gateway.onSessionLog). */
type SessionLogListener = (slot: Slot, params: LoggingMessageNotificationParams) => void;

/**
 * The running gateway: the backends (from the database), the pool of upstream connections, and
 * the catalog each caller sees. Backend changes apply without a restart.
 */
export class Gateway {
  readonly pool: BackendPool;
  #identity: IdentityContext;
  #logger: FastifyBaseLogger;
  #naming: { separator: string; prefixMode: PrefixMode };
  #configs: readonly BackendConfig[];
  #reloading: Promise<void> = Promise.resolve();
  #catalogs = new Map<string, { catalog: Catalog; generation: number; down: string; expires: number }>();
  /** Bumped whenever a backend's lists or the set of backends change: cached catalogs are then stale. */
  #generation = 0;
  #audit: ToolCallAudit;
  #sessionLog = new Set<SessionLogListener>();
  /** The downstream sessions' resources/subscribe subscriptions. */
  readonly subscriptions = new ResourceSubscriptions();
  /** 2026-07-28 tool calls waiting for their client's answers to a backend's questions. */
  readonly inputs = new InputBridge();

  private constructor(identity: IdentityContext, configs: readonly BackendConfig[], options: GatewayOptions) {
    this.#identity = identity;
    this.#logger = identity.logger;
    this.#naming = {
      separator: identity.settings.gatewayToolSeparator,
      prefixMode: identity.settings.gatewayPrefixMode,
    };
    this.#configs = configs.filter((c) => c.enabled);
    this.#audit = new ToolCallAudit(identity.store, identity.logger, {
      withArguments: identity.settings.auditToolArguments,
    });
    this.pool = new BackendPool(this.#configs, {
      maxProcesses: identity.settings.gatewayMaxProcesses,
      ...options.pool,
      onStderr: (backend, line) => this.#logger.debug({ backend, line }, 'backend stderr'),
      serverRequestHandler: routeServerRequest,
    });
    this.pool.onListChanged(() => {
      this.#generation += 1;
    });
    this.pool.onLog((slot, params, callers) => this.#routeLog(slot, params, callers));
  }

  /**
   * Where a backend's log message goes: to the downstream calls in flight on that connection when they
   * all act for one identity (a log line may carry data of the call it belongs to, and the 2025
   * protocol does not say which call that is); with none in flight, on a per-user or per-session
   * connection, to the sessions it serves (see onSessionLog). Anything else is not forwarded.
   */
  #routeLog(slot: Slot, params: LoggingMessageNotificationParams, callers: readonly unknown[]): void {
    const calls = downstreamCalls(callers);
    const first = calls[0];
    if (first !== undefined && calls.every((call) => isSameIdentity(call.caller, first.caller))) {
      for (const call of calls) call.log(slot.backend, params);
    } else if (first === undefined && slot.isolation !== 'shared') {
      for (const listener of this.#sessionLog) listener(slot, params);
    } else {
      this.#logger.debug(
        { backend: slot.backend, level: params.level, in_flight: calls.length },
        'backend log message not forwarded: no single identity to send it to',
      );
    }
  }

  /**
   * Subscribes a session registry to log messages an isolated (per-user or per-session) backend
   * connection sent while none of its calls ran; returns unsubscribe.
   */
  onSessionLog(listener: SessionLogListener): () => void {
    this.#sessionLog.add(listener);
    return () => this.#sessionLog.delete(listener);
  }

  /** Ends what a closed downstream session held: its resource subscriptions and per-session backends. */
  async releaseSession(sessionId: string): Promise<void> {
    await this.subscriptions.release(sessionId);
    await this.pool.releaseSession(sessionId);
  }

  /**
   * Writes the configured backends (GATEWAY_BACKENDS) to the database, loads every backend from it
   * and starts the pool (boot-time backends connect now).
   */
  static async start(identity: IdentityContext, options: GatewayOptions = {}): Promise<Gateway> {
    const written = await applyConfiguredBackends(identity, identity.settings.gatewayBackends);
    if (written.length > 0) identity.logger.info({ backends: written }, 'configured backends written');
    const gateway = new Gateway(identity, await listBackendConfigs(identity), options);
    await gateway.pool.start();
    return gateway;
  }

  /** Names of the enabled backends. */
  backendNames(): string[] {
    return this.#configs.map((c) => c.name);
  }

  /**
   * The gateway caller of an authenticated identity, once it may use `backend` (or, for the
   * aggregate, at least one backend). Throws 403 access_denied ("All MCPs are blocked for your
   * user") when its policy blocks everything or does not parse, and 404 not_found for a backend that
   * is absent or refused: a refused backend looks absent, as a refused tool looks unknown.
   */
  callerFor(authenticated: Authenticated, backend?: string): GatewayCaller {
    const caller = gatewayCaller(authenticated);
    if (caller === null) throw new AppError('access_denied');
    if (backend !== undefined) {
      if (!this.hasBackend(backend) || !canUseBackend(caller.policies, backend))
        throw new AppError('not_found', { message: 'Backend not found' });
    } else if (allBackendsBlocked(caller.policies, this.backendNames())) {
      throw new AppError('access_denied');
    }
    return caller;
  }

  /** True when `name` is an enabled backend. */
  hasBackend(name: string): boolean {
    return this.#configs.some((c) => c.name === name);
  }

  /** Re-reads the backends from the database and applies the difference (queued; never throws). */
  reloadBackends(): void {
    this.#reloading = this.#reloading.then(async () => {
      try {
        this.#configs = (await listBackendConfigs(this.#identity)).filter((c) => c.enabled);
        const changes = await this.pool.setBackends(this.#configs);
        this.#generation += 1;
        this.#logger.info({ ...changes }, 'backends applied');
      } catch (error) {
        this.#logger.error({ err: { message: (error as Error).message } }, 'could not apply backend changes');
      }
    });
  }

  /** Resolves once every reload requested so far is applied. */
  settled(): Promise<void> {
    return this.#reloading;
  }

  /** Health of every backend, for GET /status. */
  status(): BackendStatus[] {
    return this.pool.status();
  }

  /** A ready connection to `backend` for this caller (its own process when the backend is isolated). */
  connection(backend: string, caller: GatewayCaller, sessionId: string | null): Promise<BackendConnection> {
    return this.pool.get(backend, { userId: caller.userId, sessionId });
  }

  /**
   * What the caller sees: every backend it may use (or only `only`), aggregated. A backend that does
   * not answer is left out, so one backend down never breaks the others; one already known to be down
   * is left out at once rather than waited for. Cached per policy (and per caller when a backend is
   * isolated) until a list changes, the backends change, or CATALOG_TTL_MS passes.
   */
  async catalogFor(caller: GatewayCaller, sessionId: string | null, only?: string): Promise<Catalog> {
    // Isolated backends may list differently per user or session: then the cache is per caller too.
    const isolated = this.#configs.some((c) => c.isolation !== 'shared');
    const owner = isolated ? `${caller.userId}\0${sessionId ?? ''}` : '';
    const key = `${only ?? ''}\0${owner}\0${JSON.stringify(caller.policies)}`;
    const now = Date.now();
    // A backend that went down (or came back) changes what is reachable without a list change.
    const failed = this.pool.failedBackends();
    const down = [...failed].join(',');
    const cached = this.#catalogs.get(key);
    if (cached && cached.generation === this.#generation && cached.down === down && cached.expires > now)
      return cached.catalog;
    const generation = this.#generation;
    const catalog = await this.#assemble(caller, sessionId, only, failed);
    this.#catalogs.delete(key);
    this.#catalogs.set(key, { catalog, generation, down, expires: now + CATALOG_TTL_MS });
    if (this.#catalogs.size > CATALOG_CACHE_SIZE)
      this.#catalogs.delete(this.#catalogs.keys().next().value as string);
    return catalog;
  }

  async #assemble(
    caller: GatewayCaller,
    sessionId: string | null,
    only: string | undefined,
    down: ReadonlySet<string>,
  ): Promise<Catalog> {
    const names = (only === undefined ? this.backendNames() : [only]).filter((name) =>
      canUseBackend(caller.policies, name),
    );
    const backends = await Promise.all(
      names.map(async (name): Promise<CatalogBackend | null> => {
        if (down.has(name)) {
          // Waiting out its restart backoff would hold up every listing and every call (each call
          // resolves its tool through the catalog). Asking still brings on its next attempt, which a
          // backend that never came up gets only on demand.
          this.connection(name, caller, sessionId).catch(() => undefined);
          return null;
        }
        try {
          return { name, ...(await listsOf(await this.connection(name, caller, sessionId))) };
        } catch (error) {
          this.#logger.warn(
            { backend: name, err: { message: (error as Error).message } },
            'backend unavailable',
          );
          return null;
        }
      }),
    );
    const reachable = backends.filter((b): b is CatalogBackend => b !== null);
    if (only !== undefined) return singleBackendCatalog(reachable[0] ?? { name: only }, caller.policies);
    const { separator, prefixMode } = this.#naming;
    return buildCatalog({
      backends: reachable,
      policies: caller.policies,
      options: { separator, prefixMode },
    });
  }

  /** Records one tool call in the audit trail (see ToolCallAudit). */
  recordToolCall(call: ToolCallRecord): void {
    this.#audit.record(call);
  }

  /** Closes every upstream connection. */
  async close(): Promise<void> {
    await this.#reloading;
    this.inputs.close();
    await this.pool.close();
    await this.#audit.stop();
  }
}
