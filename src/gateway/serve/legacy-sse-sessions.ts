import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/server';
import { type GatewayCaller, isSameIdentity } from '../caller.ts';
import type { Gateway } from '../gateway.ts';
import { createCallerServer, type ServeScope } from './caller-server.ts';
import type { SessionsHeld } from './legacy-sessions.ts';
import { LegacySseTransport } from './legacy-sse-transport.ts';
import { notifyListChanged } from './list-changed.ts';
import { countSessions } from './session-census.ts';
import { notifySessionLog } from './session-log.ts';

interface SseSession {
  transport: LegacySseTransport;
  server: Server;
  /** Updated on every POST, so a policy change applies to an open session at once. */
  scope: ServeScope;
  /** The POST path it announced: a session of `/sse` is not valid on `/servers/x/message`. */
  endpoint: string;
}

/** Limits of the legacy HTTP+SSE endpoints. */
export interface LegacySseOptions {
  /** Open streams one user may hold at once; the next is refused. */
  maxPerUser: number;
  keepAliveMs?: number;
  /** Hears of every session opened and closed here (e.g. to let other replicas find it). */
  held?: SessionsHeld;
}

/**
 * The sessions of the legacy HTTP+SSE transport (MCP 2024-11-05): one caller server per open
 * `GET /sse` stream, bound to the identity that opened it. A session lives exactly as long as its
 * stream; when the stream closes, so do its server and its per-session backend connections.
 */
export class LegacySseSessions {
  #sessions = new Map<string, SseSession>();
  #gateway: Gateway;
  #options: LegacySseOptions;
  #unsubscribe: () => void;
  #unsubscribeLog: () => void;

  constructor(gateway: Gateway, options: LegacySseOptions) {
    this.#gateway = gateway;
    this.#options = options;
    this.#unsubscribe = gateway.pool.onListChanged((backend, kind) =>
      notifyListChanged(this.#sessions.values(), backend, kind),
    );
    this.#unsubscribeLog = gateway.onSessionLog((slot, params) =>
      notifySessionLog(this.#sessions.values(), slot, params),
    );
    countSessions(gateway, 'sse', this);
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Whether session `id` is open here (whoever opened it). */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /**
   * Opens a session whose client POSTs to `endpoint` (a path); returns its transport, whose
   * `stream` is the response body, or null when the user already holds `maxPerUser` streams.
   */
  async open(caller: GatewayCaller, endpoint: string, backend?: string): Promise<LegacySseTransport | null> {
    let held = 0;
    for (const session of this.#sessions.values()) if (session.scope.caller.userId === caller.userId) held++;
    if (held >= this.#options.maxPerUser) return null;
    const id = randomUUID();
    const transport = new LegacySseTransport(id, endpoint, { keepAliveMs: this.#options.keepAliveMs });
    const scope: ServeScope = { caller, sessionId: id, backend };
    const server = createCallerServer(this.#gateway, scope);
    server.onclose = () => void this.#release(id);
    this.#sessions.set(id, { transport, server, scope, endpoint });
    try {
      await server.connect(transport);
    } catch (error) {
      this.#sessions.delete(id);
      await transport.close();
      throw error;
    }
    this.#options.held?.claim(id);
    return transport;
  }

  /**
   * The transport of session `id` when it was opened by the same identity (user and key) on the
   * same endpoint; null otherwise, as if it did not exist. Refreshes the session's caller.
   */
  find(id: string, caller: GatewayCaller, endpoint: string): LegacySseTransport | null {
    const session = this.#sessions.get(id);
    if (!session || session.endpoint !== endpoint || session.transport.closed) return null;
    if (!isSameIdentity(session.scope.caller, caller)) return null;
    session.scope.caller = caller;
    return session.transport;
  }

  async #release(id: string): Promise<void> {
    if (!this.#sessions.delete(id)) return;
    this.#options.held?.release(id);
    await this.#gateway.releaseSession(id);
  }

  /** Ends every stream and closes its session. */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#unsubscribeLog();
    const open = [...this.#sessions.entries()];
    await Promise.all(open.map(([, session]) => session.server.close().catch(() => undefined)));
    for (const [id] of open) this.#options.held?.release(id);
    await Promise.all(open.map(([id]) => this.#gateway.releaseSession(id)));
  }
}
