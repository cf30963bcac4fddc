import { randomUUID } from 'node:crypto';
import { type Server, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { type GatewayCaller, isSameIdentity } from '../caller.ts';
import type { Gateway } from '../gateway.ts';
import { createCallerServer, type ServeScope } from './caller-server.ts';
import { boundedEventStore } from './event-store.ts';
import type { PlainReply } from './call-reply.ts';
import {
  answerToolCall,
  cancelledRequestId,
  plainToolCall,
  readablePost,
  type RequestView,
} from './fast-tool-call.ts';
import { notifyListChanged } from './list-changed.ts';
import { countSessions } from './session-census.ts';
import { notifySessionLog } from './session-log.ts';

/** Told of each session a replica opens and closes. */
export interface SessionsHeld {
  claim(id: string): void;
  release(id: string): void;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  /** Updated on every request, so a policy change applies to an open session at once. */
  scope: ServeScope;
  /** Which endpoint opened it: a session of `/mcp` is not valid on `/servers/x/mcp`. */
  endpoint: string;
  lastSeen: number;
  /** Tool calls answered on the fast path, by request id, so notifications/cancelled can abort them. */
  inFlight: Map<string | number, AbortController>;
}

/** The JSON-RPC answer (with HTTP 404) for a session that does not exist: the client opens a new one. */
export const SESSION_NOT_FOUND = JSON.stringify({
  jsonrpc: '2.0',
  error: { code: -32001, message: 'Session not found' },
  id: null,
});

function sessionNotFound(): Response {
  return new Response(SESSION_NOT_FOUND, { status: 404, headers: { 'content-type': 'application/json' } });
}

/**
 * The sessionful 2025-11-25 Streamable HTTP endpoint: one SDK transport and server per session,
 * bound to the identity that opened it. Another identity, another endpoint or an unknown id gets
 * 404 (as if the session did not exist). Idle sessions are closed after `idleMs`.
 */
export class LegacySessions {
  #sessions = new Map<string, Session>();
  #gateway: Gateway;
  #idleMs: number;
  #reaper: NodeJS.Timeout;

  #held: SessionsHeld | undefined;

  /** `held` hears of every session opened and closed here (e.g. to let other replicas find it). */
  constructor(gateway: Gateway, options: { idleMs: number; held?: SessionsHeld }) {
    this.#gateway = gateway;
    this.#idleMs = options.idleMs;
    this.#held = options.held;
    this.#reaper = setInterval(() => void this.#reap(), Math.min(options.idleMs, 60_000));
    this.#reaper.unref();
    countSessions(gateway, 'streamable_http', this);
    gateway.pool.onListChanged((backend, kind) => notifyListChanged(this.#sessions.values(), backend, kind));
    gateway.onSessionLog((slot, params) => notifySessionLog(this.#sessions.values(), slot, params));
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Whether session `id` is open here (whoever opened it). */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** Serves one request of a 2025-era client. */
  async handle(
    request: Request,
    parsedBody: unknown,
    caller: GatewayCaller,
    endpoint: string,
    backend: string | undefined,
  ): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id === null) return this.#open(request, parsedBody, caller, endpoint, backend);
    const session = this.#sessions.get(id);
    if (!session || session.endpoint !== endpoint || !isSameIdentity(session.scope.caller, caller))
      return sessionNotFound();
    session.scope.caller = caller;
    session.lastSeen = Date.now();
    return session.transport.handleRequest(request, { parsedBody });
  }

  /**
   * The hot path of an open session, tried before `handle`: answers a plain tools/call (see
   * plainToolCall), or the notifications/cancelled of one in flight, without the SDK's transport and
   * server. Null for anything else, which `handle` then serves (an unknown session included).
   */
  fastCall(
    request: RequestView,
    parsedBody: unknown,
    caller: GatewayCaller,
    endpoint: string,
  ): Promise<PlainReply> | null {
    const id = request.header('mcp-session-id');
    const session = id === null ? undefined : this.#sessions.get(id);
    if (!session || session.endpoint !== endpoint || !isSameIdentity(session.scope.caller, caller))
      return null;
    const cancelled = cancelledRequestId(parsedBody);
    const abort = cancelled === null ? undefined : session.inFlight.get(cancelled);
    const call = cancelled === null ? plainToolCall(request, parsedBody) : null;
    // A client that may be asked questions (sampling, elicitation, roots) goes through the SDK,
    // which can route a backend's request back to it during the call.
    if (abort === undefined && (call === null || asksQuestions(session.server))) return null;
    if (!readablePost(request)) return null;
    session.scope.caller = caller;
    session.lastSeen = Date.now();
    if (abort !== undefined) {
      abort.abort();
      return Promise.resolve({ status: 202, headers: {}, body: null });
    }
    const options = {
      era: 'legacy' as const,
      headers: { 'mcp-session-id': id! },
      inFlight: session.inFlight,
    };
    return answerToolCall(this.#gateway, session.scope, call!, options);
  }

  async #open(
    request: Request,
    parsedBody: unknown,
    caller: GatewayCaller,
    endpoint: string,
    backend: string | undefined,
  ): Promise<Response> {
    const id = randomUUID();
    const scope: ServeScope = { caller, sessionId: id, backend };
    const server = createCallerServer(this.#gateway, scope);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: boundedEventStore(),
      onsessioninitialized: () => {
        this.#sessions.set(id, {
          transport,
          server,
          scope,
          endpoint,
          lastSeen: Date.now(),
          inFlight: new Map(),
        });
        this.#held?.claim(id);
      },
      onsessionclosed: () => void this.#close(id),
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody });
    // Not an initialize request, or one that failed: nothing to keep.
    if (!this.#sessions.has(id)) await server.close().catch(() => undefined);
    return response;
  }

  async #close(id: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    this.#held?.release(id);
    await session.server.close().catch(() => undefined);
    await this.#gateway.releaseSession(id);
  }

  async #reap(): Promise<void> {
    const cutoff = Date.now() - this.#idleMs;
    for (const [id, session] of this.#sessions) if (session.lastSeen < cutoff) await this.#close(id);
  }

  /** Closes every session. */
  async close(): Promise<void> {
    clearInterval(this.#reaper);
    await Promise.all([...this.#sessions.keys()].map((id) => this.#close(id)));
  }
}

function asksQuestions(server: Server): boolean {
  const capabilities = server.getClientCapabilities();
  return Boolean(capabilities?.sampling || capabilities?.elicitation || capabilities?.roots);
}
