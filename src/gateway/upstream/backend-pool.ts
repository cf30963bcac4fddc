import type { Implementation, LoggingMessageNotificationParams } from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';
import { BackendConnection, type ConnectionState } from './backend-connection.ts';
import { BackendError } from './backend-error.ts';
import { ConnectionSupervisor } from './connection-supervisor.ts';
import { checkHealth } from './health-check.ts';
import { type IsolationKey, type Slot, slotFor } from './isolation.ts';
import type { ListKind } from './open-session.ts';
import { type BackendStatus, backendStatus, bestState } from './pool-status.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-backoff.ts';
import type { ServerRequestHandler } from './server-requests.ts';

/** Options of a {@link BackendPool}; every one has a production default. */
export interface BackendPoolOptions {
  /** Most stdio processes alive at once, across all backends. Default 50. */
  maxProcesses?: number;
  /** Per-user and per-session connections unused this long are closed. Default 10 min. */
  idleTimeoutMs?: number;
  /** How often idle connections are looked for; 0 disables (call reapIdle()). Default min(idle, 60 s). */
  reapIntervalMs?: number;
  /** How often ready connections are pinged; 0 disables (call checkHealth()). Default 30 s. */
  healthIntervalMs?: number;
  restart?: Partial<RestartPolicy>;
  /** Clock for idleness and backoff; defaults to Date.now. */
  now?: () => number;
  clientInfo?: Implementation;
  serverRequestHandler?: ServerRequestHandler | null;
  /** Receives each stderr line of each stdio backend. */
  onStderr?: (backend: string, line: string) => void;
  killGraceMs?: number;
}

/**
 * A backend's log message: which connection (slot) it came from, and the `caller` tags of the calls
 * in flight on that connection when it arrived.
 */
export type BackendLogListener = (
  slot: Slot,
  params: LoggingMessageNotificationParams,
  callers: readonly unknown[],
) => void;

/** What {@link BackendPool.setBackends} changed. */
export interface BackendChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * Owns the connections to every configured backend: one per backend, per user or per downstream
 * session as each backend's isolation says, never more than `maxProcesses` stdio processes, idle ones
 * reaped, lost ones restarted with backoff.
 */
export class BackendPool {
  #configs = new Map<string, BackendConfig>();
  #slots = new Map<string, ConnectionSupervisor>();
  #restarts = new Map<string, number>();
  #listeners = new Set<(backend: string, kind: ListKind) => void>();
  #logListeners = new Set<BackendLogListener>();
  #options: Required<Pick<BackendPoolOptions, 'maxProcesses' | 'idleTimeoutMs' | 'now'>> & BackendPoolOptions;
  #restart: RestartPolicy;
  #handler: ServerRequestHandler | null;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(configs: readonly BackendConfig[], options: BackendPoolOptions = {}) {
    this.#options = { maxProcesses: 50, idleTimeoutMs: 600_000, now: Date.now, ...options };
    if (!Number.isInteger(this.#options.maxProcesses) || this.#options.maxProcesses < 1) {
      throw new TypeError('maxProcesses must be a positive integer');
    }
    this.#restart = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    if (Object.values(this.#restart).some((ms) => !(ms > 0))) {
      throw new TypeError('restart delays must be positive numbers of milliseconds');
    }
    this.#handler = options.serverRequestHandler ?? null;
    for (const config of uniqueByName(configs)) this.#configs.set(config.name, config);
  }

  /** Stdio processes alive or reserved (each stdio connection holds at most one). */
  get processCount(): number {
    return [...this.#slots.values()].filter((s) => s.connection.config.transport === 'stdio').length;
  }

  /** Starts the reaper and health timers and connects the shared backends marked `startup: boot`. */
  async start(): Promise<void> {
    if (this.#timers.length > 0 || this.#closed) return;
    const {
      idleTimeoutMs,
      reapIntervalMs = Math.min(idleTimeoutMs, 60_000),
      healthIntervalMs = 30_000,
    } = this.#options;
    if (reapIntervalMs > 0) this.#every(reapIntervalMs, () => this.reapIdle());
    if (healthIntervalMs > 0) this.#every(healthIntervalMs, () => this.checkHealth());
    await this.#boot([...this.#configs.values()]);
  }

  /**
   * A ready connection to `backend` for `key`. Rejects with BackendError `unknown_backend` (unknown or
   * disabled), `capacity` (process limit reached, nothing idle to evict), `unavailable` or `timeout`.
   */
  async get(backend: string, key: IsolationKey = {}): Promise<BackendConnection> {
    if (this.#closed) throw new BackendError('closed', backend, 'the backend pool is closed');
    const config = this.#configs.get(backend);
    if (!config?.enabled) {
      throw new BackendError('unknown_backend', backend, `no enabled backend is named "${backend}"`);
    }
    const slot = slotFor(config, key);
    return (this.#slots.get(slot.key) ?? this.#createSlot(config, slot)).acquire();
  }

  /** Subscribes to list changes of any backend, including those caused by restarts and reconfiguration. */
  onListChanged(listener: (backend: string, kind: ListKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Subscribes to every backend connection's log messages; returns unsubscribe. */
  onLog(listener: BackendLogListener): () => void {
    this.#logListeners.add(listener);
    return () => this.#logListeners.delete(listener);
  }

  /** Sets who answers backends' sampling, elicitation and roots requests (for connections opened from now). */
  setServerRequestHandler(handler: ServerRequestHandler | null): void {
    this.#handler = handler;
    for (const supervisor of this.#slots.values()) supervisor.connection.setServerRequestHandler(handler);
  }

  /** Closes the per-session connections of a downstream session that ended. */
  async releaseSession(sessionId: string): Promise<void> {
    await this.#drop((s) => s.slot.isolation === 'per-session' && s.slot.owner === sessionId);
  }

  /** Closes per-user and per-session connections idle for `idleTimeoutMs`; resolves with how many. */
  async reapIdle(): Promise<number> {
    const cutoff = this.#options.now() - this.#options.idleTimeoutMs;
    return this.#drop(
      (s) => s.slot.isolation !== 'shared' && !s.busy && s.connection.lastActivityAt <= cutoff,
    );
  }

  /** Pings every ready connection once (see checkHealth). */
  checkHealth(): Promise<void> {
    return checkHealth(this.#slots.values());
  }

  /**
   * Names of the backends whose best connection has failed, as status() would report them, in one
   * pass over the connections (it runs on every tool list and call).
   */
  failedBackends(): Set<string> {
    // The usual case, without building the map: a backend is failed only if a connection of it is.
    if (!this.#anyFailed()) return new Set();
    const best = new Map<string, ConnectionState>();
    for (const { slot, connection } of this.#slots.values())
      best.set(slot.backend, bestState(best.get(slot.backend) ?? 'idle', connection.state));
    return new Set([...best].flatMap(([name, state]) => (state === 'failed' ? [name] : [])));
  }

  #anyFailed(): boolean {
    for (const { connection } of this.#slots.values()) if (connection.state === 'failed') return true;
    return false;
  }

  /** Every configured backend's health, in configuration order. */
  status(): BackendStatus[] {
    return [...this.#configs.values()].map((config) =>
      backendStatus(config, this.#supervisorsOf(config.name), this.#restarts.get(config.name) ?? 0),
    );
  }

  /** Applies a new backend list: removed and changed backends are closed, new boot backends started. */
  async setBackends(configs: readonly BackendConfig[]): Promise<BackendChanges> {
    const next = new Map(uniqueByName(configs).map((config) => [config.name, config]));
    const changes: BackendChanges = { added: [], removed: [], changed: [] };
    for (const name of this.#configs.keys()) if (!next.has(name)) changes.removed.push(name);
    for (const [name, config] of next) {
      const current = this.#configs.get(name);
      if (!current) changes.added.push(name);
      else if (JSON.stringify(current) !== JSON.stringify(config)) changes.changed.push(name);
    }
    const stale = new Set([...changes.removed, ...changes.changed]);
    this.#configs = next;
    await this.#drop((s) => stale.has(s.slot.backend));
    for (const name of [...stale, ...changes.added]) this.#emit(name, ['tools', 'resources', 'prompts']);
    await this.#boot([...changes.added, ...changes.changed].map((name) => next.get(name) as BackendConfig));
    return changes;
  }

  /** Stops the timers and closes every connection; resolves once every backend process has exited. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#drop(() => true);
  }

  #createSlot(config: BackendConfig, slot: ReturnType<typeof slotFor>): ConnectionSupervisor {
    let gate: Promise<void> | undefined;
    if (config.transport === 'stdio' && this.processCount >= this.#options.maxProcesses) {
      const victim = this.#evictionCandidate();
      if (!victim) {
        throw new BackendError(
          'capacity',
          config.name,
          `the limit of ${this.#options.maxProcesses} backend processes is reached and none is idle`,
        );
      }
      this.#slots.delete(victim.slot.key);
      gate = victim.close();
    }
    const connection = new BackendConnection(config, {
      clientInfo: this.#options.clientInfo,
      serverRequestHandler: this.#handler,
      killGraceMs: this.#options.killGraceMs,
      now: this.#options.now,
      onStderr: this.#options.onStderr && ((line) => this.#options.onStderr?.(config.name, line)),
    });
    connection.onListChanged((kind) => this.#emit(config.name, [kind]));
    connection.onLog((params, callers) => {
      for (const listener of this.#logListeners) listener(slot, params, callers);
    });
    const supervisor = new ConnectionSupervisor(connection, slot, {
      restart: this.#restart,
      now: this.#options.now,
      gate,
      onRestart: () => this.#restarts.set(config.name, (this.#restarts.get(config.name) ?? 0) + 1),
    });
    this.#slots.set(slot.key, supervisor);
    return supervisor;
  }

  /** The least recently used idle per-user or per-session stdio connection. */
  #evictionCandidate(): ConnectionSupervisor | null {
    let victim: ConnectionSupervisor | null = null;
    for (const supervisor of this.#slots.values()) {
      const { connection, slot, busy } = supervisor;
      if (slot.isolation === 'shared' || busy || connection.config.transport !== 'stdio') continue;
      if (!victim || connection.lastActivityAt < victim.connection.lastActivityAt) victim = supervisor;
    }
    return victim;
  }

  async #drop(match: (supervisor: ConnectionSupervisor) => boolean): Promise<number> {
    const dropped = [...this.#slots.values()].filter(match);
    for (const supervisor of dropped) this.#slots.delete(supervisor.slot.key);
    await Promise.all(dropped.map((supervisor) => supervisor.close()));
    return dropped.length;
  }

  async #boot(configs: readonly BackendConfig[]): Promise<void> {
    const boot = configs.filter((c) => c.enabled && c.startup === 'boot' && c.isolation === 'shared');
    // A backend that fails to boot is reported by status() and retried on demand; the rest still start.
    await Promise.allSettled(boot.map((config) => this.get(config.name)));
  }

  #supervisorsOf(backend: string): ConnectionSupervisor[] {
    return [...this.#slots.values()].filter((supervisor) => supervisor.slot.backend === backend);
  }

  #emit(backend: string, kinds: readonly ListKind[]): void {
    for (const kind of kinds) for (const listener of this.#listeners) listener(backend, kind);
  }

  #every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => void task().catch(() => {}), ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

function uniqueByName(configs: readonly BackendConfig[]): readonly BackendConfig[] {
  const names = new Set<string>();
  for (const { name } of configs) {
    if (names.has(name)) throw new TypeError(`backend "${name}" is configured twice`);
    names.add(name);
  }
  return configs;
}
