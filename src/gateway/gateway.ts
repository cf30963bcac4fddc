import type { FastifyBaseLogger } from 'fastify';
import { canUseBackend, type IdentityContext } from '../identity/index.ts';
import { applyConfiguredBackends, listBackendConfigs } from './backends/manage-backends.ts';
import type { GatewayCaller } from './caller.ts';
import { ToolCallAudit, type ToolCallRecord } from './tool-audit.ts';
import {
  buildCatalog,
  type Catalog,
  type CatalogBackend,
  type PrefixMode,
  singleBackendCatalog,
} from './catalog/index.ts';
import {
  type BackendConfig,
  type BackendConnection,
  BackendPool,
  type BackendPoolOptions,
  type BackendStatus,
  type ServerRequestHandler,
} from './upstream/index.ts';
import { ProtocolError, ProtocolErrorCode, type ServerContext } from '@modelcontextprotocol/server';

/** How the aggregated endpoint names things, and the pool's limits. */
export interface GatewayOptions {
  separator: string;
  prefixMode: PrefixMode;
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
 * to, so with several callers in flight on a shared connection the request is refused rather than
 * sent to the wrong client (per-user or per-session isolation avoids this).
 */
const routeServerRequest: ServerRequestHandler = async (method, params, context) => {
  const downstream = [...new Set(context.callers)].filter(isServerContext);
  if (downstream.length !== 1)
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `No single client to route ${method} to`);
  return (await downstream[0]!.mcpReq.send({ method, params } as never, {
    signal: context.signal,
  })) as Record<string, unknown>;
};

function isServerContext(value: unknown): value is ServerContext {
  return typeof value === 'object' && value !== null && 'mcpReq' in value;
}

/**
 * The running gateway: the backends (from the database), the pool of upstream connections, and
 * the catalog each caller sees. Backend changes apply without a restart.
 */
export class Gateway {
  readonly pool: BackendPool;
  #identity: IdentityContext;
  #logger: FastifyBaseLogger;
  #options: GatewayOptions;
  #configs: readonly BackendConfig[];
  #reloading: Promise<void> = Promise.resolve();
  #catalogs = new Map<string, { catalog: Catalog; generation: number; down: string; expires: number }>();
  /** Bumped whenever a backend's lists or the set of backends change: cached catalogs are then stale. */
  #generation = 0;
  #audit: ToolCallAudit;

  private constructor(identity: IdentityContext, configs: readonly BackendConfig[], options: GatewayOptions) {
    this.#identity = identity;
    this.#logger = identity.logger;
    this.#options = options;
    this.#configs = configs.filter((c) => c.enabled);
    this.#audit = new ToolCallAudit(identity.store, identity.logger, {
      withArguments: identity.settings.auditToolArguments,
    });
    this.pool = new BackendPool(this.#configs, {
      ...options.pool,
      onStderr: (backend, line) => this.#logger.debug({ backend, line }, 'backend stderr'),
      serverRequestHandler: routeServerRequest,
    });
    this.pool.onListChanged(() => {
      this.#generation += 1;
    });
  }

  /**
   * Writes the configured backends (GATEWAY_BACKENDS) to the database, loads every backend from it
   * and starts the pool (boot-time backends connect now).
   */
  static async start(identity: IdentityContext, options: GatewayOptions): Promise<Gateway> {
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
    const down = this.#downBackends();
    const cached = this.#catalogs.get(key);
    if (cached && cached.generation === this.#generation && cached.down === down && cached.expires > now)
      return cached.catalog;
    const generation = this.#generation;
    const catalog = await this.#assemble(caller, sessionId, only);
    this.#catalogs.delete(key);
    this.#catalogs.set(key, { catalog, generation, down, expires: now + CATALOG_TTL_MS });
    if (this.#catalogs.size > CATALOG_CACHE_SIZE)
      this.#catalogs.delete(this.#catalogs.keys().next().value as string);
    return catalog;
  }

  #downBackends(): string {
    return this.pool
      .status()
      .filter((s) => s.state === 'failed')
      .map((s) => s.name)
      .join(',');
  }

  async #assemble(caller: GatewayCaller, sessionId: string | null, only?: string): Promise<Catalog> {
    const names = (only === undefined ? this.backendNames() : [only]).filter((name) =>
      canUseBackend(caller.policies, name),
    );
    const down = new Set(this.pool.status().flatMap((s) => (s.state === 'failed' ? [s.name] : [])));
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
    const { separator, prefixMode } = this.#options;
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
    await this.pool.close();
    await this.#audit.stop();
  }
}
