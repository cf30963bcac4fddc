import type { Transport } from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';
import { BackendError } from './backend-error.ts';
import { HttpChannel } from './http-channel.ts';
import { openSession, type Session, type SessionHooks } from './open-session.ts';
import { ProcessTransport } from './process-transport.ts';
import { isSessionExpired } from './session-expiry.ts';

/** Lifecycle of a connection: `failed` may be retried with `connect()`; `closed` is final. */
export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'failed' | 'closed';

/** What the owner of a {@link SessionManager} hears about. */
export interface SessionManagerHooks extends Omit<SessionHooks, 'onClosed' | 'onStreamLost'> {
  /** The session changed or went away: cached lists are stale. */
  onReset: () => void;
  /** A new session replaced an earlier one (after expiry or loss): its lists may differ. */
  onRenewed: () => void;
  /** A ready session was lost (process exit, dropped stream, failed renewal). */
  onLost: (reason: string) => void;
}

/**
 * Holds a connection's current MCP session: opens it, notices its loss, and replaces it when the
 * backend has forgotten it. A replaced session is closed once the calls still using it have settled.
 */
export class SessionManager {
  #config: BackendConfig;
  #hooks: SessionManagerHooks;
  #state: ConnectionState = 'idle';
  #lastError: string | null = null;
  #session: Session | null = null;
  #opening: Promise<Session> | null = null;
  #abort = new AbortController();
  #calls = new Map<Session, number>();
  #retired = new WeakSet<Session>();
  #opened = 0;

  constructor(config: BackendConfig, hooks: SessionManagerHooks) {
    this.#config = config;
    this.#hooks = hooks;
  }

  /** Where the connection is in its lifecycle. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Why the last open or the live session failed, in words safe to show. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** The ready session, if any. */
  get session(): Session | null {
    return this.#session;
  }

  /** Opens a session unless one is ready (or joins the opening in progress). */
  async connect(): Promise<void> {
    if (this.#state === 'closed') throw this.#closedError();
    if (!this.#session) await this.#open();
  }

  /** Closes the session and refuses any further use. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#abort.abort();
    const session = this.#session;
    this.#session = null;
    await this.#opening?.catch(() => {});
    if (session) await closeSession(session, true);
  }

  /**
   * Runs `send` on the current session. A call that finds the session expired is retried once on a
   * fresh one (the backend did not process it); a call on an exited process fails with the exit.
   */
  async use<T>(send: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let session: Session | null = null;
    try {
      session = await this.#ready();
      try {
        return await this.#counted(session, send);
      } catch (error) {
        if (signal?.aborted || !isSessionExpired(error, this.#config.transport, session.transport)) {
          throw error;
        }
        session = await this.#renew(session);
        return await this.#counted(session, send);
      }
    } catch (error) {
      if (this.#state === 'closed' && !signal?.aborted) throw this.#closedError();
      const exit = session?.transport instanceof ProcessTransport ? session.transport.exitDescription : null;
      if (exit === null || signal?.aborted) throw error;
      throw new BackendError('unavailable', this.#config.name, `backend "${this.#config.name}" ${exit}`, {
        cause: error,
      });
    }
  }

  async #counted<T>(session: Session, send: (session: Session) => Promise<T>): Promise<T> {
    this.#calls.set(session, (this.#calls.get(session) ?? 0) + 1);
    try {
      return await send(session);
    } finally {
      const left = (this.#calls.get(session) ?? 1) - 1;
      if (left > 0) this.#calls.set(session, left);
      else this.#calls.delete(session);
      if (left === 0 && this.#retired.has(session)) void closeSession(session, false);
    }
  }

  async #ready(): Promise<Session> {
    if (this.#session) return this.#session;
    if (this.#state === 'closed') throw this.#closedError();
    if (this.#opening) return this.#opening;
    const name = this.#config.name;
    const why = this.#lastError ? `: ${this.#lastError}` : '';
    throw new BackendError('unavailable', name, `backend "${name}" is not connected${why}`);
  }

  #open(): Promise<Session> {
    if (this.#opening) return this.#opening;
    this.#state = 'connecting';
    const hooks: SessionHooks = {
      ...this.#hooks,
      onClosed: (transport) => this.#closed(transport),
      onStreamLost: (transport, callsLost) => {
        // When answers to calls in flight would have come down the lost stream, fail them now.
        const current = this.#session;
        if (current?.transport === transport) void this.#renew(current, !callsLost).catch(() => {});
      },
    };
    const opening = openSession(this.#config, hooks, this.#abort.signal).then(
      (session) => {
        this.#session = session;
        this.#state = 'ready';
        this.#lastError = null;
        this.#hooks.onReset();
        this.#opened += 1;
        if (this.#opened > 1) this.#hooks.onRenewed();
        return session;
      },
      (error: unknown) => {
        if (this.#state !== 'closed') {
          this.#state = 'failed';
          this.#lastError = error instanceof Error ? error.message : String(error);
        }
        throw error;
      },
    );
    this.#opening = opening;
    const done = () => {
      this.#opening = null;
    };
    opening.then(done, done);
    return opening;
  }

  /**
   * Replaces a session the backend has forgotten; concurrent callers share one renewal. The old
   * session is closed once its calls have settled (`drain`), or at once.
   */
  #renew(stale: Session, drain = true): Promise<Session> {
    if (this.#session === stale) {
      this.#session = null;
      this.#retired.add(stale);
      if (!drain || !this.#calls.has(stale)) void closeSession(stale, false);
      this.#hooks.onReset();
      this.#open().catch((error: unknown) =>
        this.#hooks.onLost(error instanceof Error ? error.message : String(error)),
      );
    }
    return this.#ready();
  }

  #closed(transport: Transport): void {
    // Sessions closed on purpose (renewal, close()) or never established are not "lost".
    if (this.#session?.transport !== transport) return;
    this.#session = null;
    this.#state = 'failed';
    const name = this.#config.name;
    const exit = transport instanceof ProcessTransport ? transport.exitDescription : null;
    this.#lastError = exit
      ? `backend "${name}" ${exit}`
      : `backend "${name}" closed the connection unexpectedly`;
    this.#hooks.onReset();
    this.#hooks.onLost(this.#lastError);
  }

  #closedError(): BackendError {
    return new BackendError('closed', this.#config.name, `connection to "${this.#config.name}" is closed`);
  }
}

/** Closes a session; ends an HTTP session politely with DELETE when it is still known upstream. */
async function closeSession(session: Session, terminate: boolean): Promise<void> {
  const { transport } = session;
  if (terminate && 'terminateSession' in transport && typeof transport.terminateSession === 'function') {
    await Promise.race([
      (transport.terminateSession as () => Promise<void>).call(transport).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
  }
  if (session.direct instanceof HttpChannel) session.direct.close();
  await session.client.close().catch(() => {});
}
