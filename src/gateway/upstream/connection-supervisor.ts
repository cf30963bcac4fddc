import type { BackendConnection } from './backend-connection.ts';
import { BackendError } from './backend-error.ts';
import type { Slot } from './isolation.ts';
import { restartDelay, type RestartPolicy } from './restart-backoff.ts';

/** What a supervisor needs from its pool. */
export interface SupervisorOptions {
  restart: RestartPolicy;
  now: () => number;
  /** Resolves once the process this slot replaces has exited, so the process limit holds. */
  gate?: Promise<void> | undefined;
  /** Called as each restart attempt begins. */
  onRestart?: (() => void) | undefined;
}

/**
 * Keeps one slot's connection available: starts it on demand, and after a loss (a crashed stdio
 * process, a backend that dropped the session) restarts it with exponential backoff. A connection
 * that never came up is retried only on demand, but no sooner than the backoff allows.
 */
export class ConnectionSupervisor {
  readonly connection: BackendConnection;
  readonly slot: Slot;
  /** The last health ping's round trip, and its error if it failed. */
  latencyMs: number | null = null;
  healthError: string | null = null;
  #options: SupervisorOptions;
  #failures = 0;
  #readySince: number | null = null;
  #everReady = false;
  #retryAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  #acquiring = 0;
  #restarts = 0;
  #closed = false;

  constructor(connection: BackendConnection, slot: Slot, options: SupervisorOptions) {
    this.connection = connection;
    this.slot = slot;
    this.#options = options;
    connection.onDisconnect(() => this.#lost());
  }

  /** Restart attempts so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** In use or about to be: not a candidate for eviction or reaping. */
  get busy(): boolean {
    return this.#acquiring > 0 || this.#starting !== null || this.connection.inFlight > 0;
  }

  /**
   * The ready connection, starting or restarting it if needed. During backoff it waits for the next
   * attempt when that is due within the connect timeout, and otherwise fails at once.
   */
  async acquire(): Promise<BackendConnection> {
    this.#acquiring += 1;
    try {
      if (this.connection.state === 'ready') return this.connection;
      const wait = this.#retryAt - this.#options.now();
      if (wait > this.connection.config.connectTimeoutMs) {
        const seconds = Math.ceil(wait / 1000);
        const why = this.connection.lastError ? `: ${this.connection.lastError}` : '';
        throw new BackendError(
          'unavailable',
          this.slot.backend,
          `backend "${this.slot.backend}" is restarting (next attempt in ${seconds} s)${why}`,
        );
      }
      if (wait > 0 && !this.#starting) await new Promise((resolve) => setTimeout(resolve, wait));
      await this.#start();
      return this.connection;
    } finally {
      this.#acquiring -= 1;
    }
  }

  /** Stops supervising and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.connection.close();
  }

  #start(): Promise<void> {
    if (this.#closed) return this.connection.connect();
    if (this.#starting) return this.#starting;
    if (this.connection.state === 'ready') return Promise.resolve();
    if (this.connection.state === 'failed') {
      this.#restarts += 1;
      this.#options.onRestart?.();
    }
    const starting = (async () => {
      await this.#options.gate;
      try {
        await this.connection.connect();
        this.#readySince = this.#options.now();
        this.#everReady = true;
        this.#retryAt = 0;
      } catch (error) {
        this.#backOff();
        throw error;
      }
    })();
    this.#starting = starting;
    const done = () => {
      this.#starting = null;
    };
    starting.then(done, done);
    return starting;
  }

  #lost(): void {
    if (this.#closed) return;
    const now = this.#options.now();
    const stable = this.#readySince !== null && now - this.#readySince >= this.#options.restart.stableMs;
    if (stable) this.#failures = 0;
    this.#readySince = null;
    this.#backOff();
  }

  #backOff(): void {
    if (this.#closed) return;
    const delay = restartDelay(this.#failures, this.#options.restart);
    this.#failures += 1;
    this.#retryAt = this.#options.now() + delay;
    // A backend that has worked before is brought back eagerly; one that never started waits for demand.
    if (!this.#everReady || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#start().catch(() => {});
    }, delay);
    this.#timer.unref();
  }
}
