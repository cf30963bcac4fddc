import type {
  CallToolResult,
  Client,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  Implementation,
  LoggingMessageNotificationParams,
  Prompt,
  ReadResourceResult,
  RequestOptions,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';
import { toBackendError } from './backend-error.ts';
import { fetchAllPages } from './fetch-all-pages.ts';
import type { BackendConnectionOptions, CallOptions } from './connection-options.ts';
import { LIST_CAPABILITY, LIST_METHODS, ListCache, type ListItems, type ListName } from './list-cache.ts';
import { directToolCall } from './direct-request.ts';
import type { ListKind, Session } from './open-session.ts';
import { SubscriptionCounts } from './subscription-counts.ts';
import { ProcessTransport } from './process-transport.ts';
import type { ServerRequestHandler } from './server-requests.ts';
import { type ConnectionState, SessionManager } from './session-manager.ts';

export type { BackendConnectionOptions, CallOptions } from './connection-options.ts';

const MODERN = '2026-07-28';
export type { ConnectionState } from './session-manager.ts';

/**
 * One live MCP session with one backend, over stdio, Streamable HTTP or legacy SSE. Lists are cached
 * until the backend announces a change; an expired HTTP session is re-initialized once, transparently.
 * Results are the backend's own objects, for the gateway to forward.
 */
export class BackendConnection {
  readonly config: BackendConfig;
  #sessions: SessionManager;
  #now: () => number;
  #handler: ServerRequestHandler | null;
  #directCalls: boolean;
  #lists = new ListCache();
  #toolCount: number | null = null;
  #inFlight = new Map<number, unknown>();
  #callSeq = 0;
  #lastActivityAt: number;
  #listChanged = new Set<(kind: ListKind) => void>();
  #resourceUpdated = new Set<(uri: string) => void>();
  #log = new Set<(params: LoggingMessageNotificationParams, callers: readonly unknown[]) => void>();
  #subscriptions = new SubscriptionCounts(async (method, uri) => {
    await this.#run(method, {}, (client, request) => client.request({ method, params: { uri } }, request));
  });
  #disconnected = new Set<(reason: string) => void>();

  constructor(config: BackendConfig, options: BackendConnectionOptions = {}) {
    this.config = config;
    this.#now = options.now ?? Date.now;
    this.#handler = options.serverRequestHandler ?? null;
    this.#directCalls = options.directCalls ?? true;
    this.#lastActivityAt = this.#now();
    this.#sessions = new SessionManager(config, {
      clientInfo: options.clientInfo ?? { name: 'gatehouse', version: '0.1.0' },
      onStderr: options.onStderr,
      killGraceMs: options.killGraceMs,
      serverRequestHandler: () => this.#handler,
      serverRequestContext: (signal) => ({ backend: this.name, signal, callers: this.#callers() }),
      onListChanged: (kind) => {
        this.#lists.invalidate(kind);
        this.#emitListChanged([kind]);
      },
      onResourceUpdated: (uri) => {
        for (const listener of this.#resourceUpdated) listener(uri);
      },
      onLog: (params) => {
        const callers = this.#callers();
        for (const listener of this.#log) listener(params, callers);
      },
      onReset: () => this.#lists.clear(),
      onRenewed: () => {
        this.#emitListChanged(['tools', 'resources', 'prompts']);
        this.#subscriptions.renew();
      },
      onLost: (reason) => {
        for (const listener of this.#disconnected) listener(reason);
      },
    });
  }

  /** The backend's name. */
  get name(): string {
    return this.config.name;
  }

  /** Where the connection is in its lifecycle. */
  get state(): ConnectionState {
    return this.#sessions.state;
  }

  /** Why the last connect or the live session failed; never contains env, headers or the URL. */
  get lastError(): string | null {
    return this.#sessions.lastError;
  }

  /** The backend's self-reported name and version, once ready. */
  get serverInfo(): Implementation | null {
    return this.#sessions.session?.client.getServerVersion() ?? null;
  }

  /** The backend's capabilities, once ready. */
  get capabilities(): ServerCapabilities | null {
    return this.#sessions.session?.client.getServerCapabilities() ?? null;
  }

  /** The protocol revision agreed with the backend (2025-11-25, or 2026-07-28 over HTTP), once ready. */
  get protocolVersion(): string | null {
    return this.#sessions.session?.client.getNegotiatedProtocolVersion() ?? null;
  }

  /** The backend's instructions for the model, if it sent any. */
  get instructions(): string | null {
    return this.#sessions.session?.client.getInstructions() ?? null;
  }

  /** The stdio backend's process id while it runs. */
  get pid(): number | null {
    const transport = this.#sessions.session?.transport;
    return transport instanceof ProcessTransport ? transport.pid : null;
  }

  /** Calls and listings awaiting an answer (health pings excluded). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** When a call last started or finished (by the injected clock). */
  get lastActivityAt(): number {
    return this.#lastActivityAt;
  }

  /** Tools in the last complete listing, or null before the first. */
  get toolCount(): number | null {
    return this.#toolCount;
  }

  /**
   * Sets who answers the backend's sampling, elicitation and roots requests. The capabilities are
   * advertised at connect time, so a handler set after `connect()` takes effect on the next session.
   */
  setServerRequestHandler(handler: ServerRequestHandler | null): void {
    this.#handler = handler;
  }

  /** Subscribes to the backend's list_changed notifications (and to session renewals); returns unsubscribe. */
  onListChanged(listener: (kind: ListKind) => void): () => void {
    this.#listChanged.add(listener);
    return () => this.#listChanged.delete(listener);
  }

  /** Subscribes to notifications/resources/updated; returns unsubscribe. */
  onResourceUpdated(listener: (uri: string) => void): () => void {
    this.#resourceUpdated.add(listener);
    return () => this.#resourceUpdated.delete(listener);
  }

  /**
   * Subscribes to the backend's log messages (notifications/message), each with the `caller` tags of
   * the calls in flight on this connection when it arrived; returns unsubscribe.
   */
  onLog(
    listener: (params: LoggingMessageNotificationParams, callers: readonly unknown[]) => void,
  ): () => void {
    this.#log.add(listener);
    return () => this.#log.delete(listener);
  }

  /** Subscribes to the loss of a ready session (process exit, failed renewal); returns unsubscribe. */
  onDisconnect(listener: (reason: string) => void): () => void {
    this.#disconnected.add(listener);
    return () => this.#disconnected.delete(listener);
  }

  /** Starts the transport and initializes, within `connectTimeoutMs`. Rejects with a BackendError. */
  connect(): Promise<void> {
    return this.#sessions.connect();
  }

  /** Closes the session (ending a stdio process and its group); final. */
  async close(): Promise<void> {
    this.#lists.clear();
    await this.#sessions.close();
  }

  /** tools/list, all pages; cached until notifications/tools/list_changed. */
  async listTools(): Promise<readonly Tool[]> {
    const tools = await this.#list('tools');
    this.#toolCount = tools.length;
    return tools;
  }

  /** resources/list, all pages; cached until notifications/resources/list_changed. */
  listResources(): Promise<readonly Resource[]> {
    return this.#list('resources');
  }

  /** resources/templates/list, all pages; cached until notifications/resources/list_changed. */
  listResourceTemplates(): Promise<readonly ResourceTemplate[]> {
    return this.#list('resourceTemplates');
  }

  /** prompts/list, all pages; cached until notifications/prompts/list_changed. */
  listPrompts(): Promise<readonly Prompt[]> {
    return this.#list('prompts');
  }

  /** tools/call; resolves with the backend's result as sent (an `isError` result is not an exception). */
  callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<CallToolResult> {
    const params = { name, arguments: args, ...this.#meta(options) };
    return this.#run('tools/call', options, async (client, request, session) => {
      // Progress needs the SDK's token bookkeeping; everything else may go around the SDK client.
      const channel = options.onProgress === undefined && this.#directCalls ? session.direct : null;
      if (channel !== null && channel.accepts?.({ method: 'tools/call', params }) !== false) {
        const timeoutMs = request.timeout ?? this.config.timeoutMs;
        const result = await directToolCall(channel, params, { timeoutMs, signal: request.signal });
        if (result !== null) return result;
      }
      return client.request({ method: 'tools/call', params }, request) as Promise<CallToolResult>;
    });
  }

  /** resources/read. */
  readResource(uri: string, options: CallOptions = {}): Promise<ReadResourceResult> {
    return this.#run('resources/read', options, (client, request) =>
      client.request({ method: 'resources/read', params: { uri, ...this.#meta(options) } }, request),
    );
  }

  /** prompts/get. */
  getPrompt(
    name: string,
    args: Record<string, string> = {},
    options: CallOptions = {},
  ): Promise<GetPromptResult> {
    const params = { name, arguments: args, ...this.#meta(options) };
    return this.#run('prompts/get', options, (client, request) =>
      client.request({ method: 'prompts/get', params }, request),
    );
  }

  /** completion/complete. */
  complete(params: CompleteRequest['params'], options: CallOptions = {}): Promise<CompleteResult> {
    return this.#run('completion/complete', options, (client, request) =>
      client.request({ method: 'completion/complete', params }, request),
    );
  }

  /**
   * resources/subscribe: updates then arrive through {@link onResourceUpdated}. Counted: only the
   * first subscription to a URI goes upstream, and it is renewed with the upstream session. Rejects
   * as the backend does (a backend without subscriptions answers -32601).
   */
  subscribeResource(uri: string): Promise<void> {
    return this.#subscriptions.add(uri);
  }

  /** Releases one subscription to `uri`; the last one sends resources/unsubscribe (its failure is ignored). */
  unsubscribeResource(uri: string): Promise<void> {
    return this.#subscriptions.remove(uri);
  }

  /** ping (server/discover on 2026-07-28, which has no ping); resolves with the round trip in milliseconds. */
  async ping(options: CallOptions = {}): Promise<number> {
    const started = performance.now();
    await this.#run(
      'ping',
      options,
      (client, request) =>
        client.getProtocolEra() === 'modern' ? client.discover(request) : client.ping(request),
      false,
    );
    return Math.round((performance.now() - started) * 10) / 10;
  }

  /** The `caller` tags of the calls in flight (listings and pings carry none). */
  #callers(): unknown[] {
    return [...this.#inFlight.values()].filter((caller) => caller !== undefined);
  }

  /** 2026-07-28: a backend sends log messages only for a request whose `_meta` names a level. */
  #meta(options: CallOptions): { _meta?: Record<string, string> } {
    if (options.logLevel === undefined || this.protocolVersion !== MODERN) return {};
    return { _meta: { [LOG_LEVEL_META_KEY]: options.logLevel } };
  }

  #list<N extends ListName>(name: N): Promise<readonly ListItems[N][]> {
    const capability = LIST_CAPABILITY[name];
    if (this.#sessions.session && !this.capabilities?.[capability]) return Promise.resolve([]);
    const method = LIST_METHODS[name];
    return this.#lists.get(name, () =>
      this.#run(method, {}, (client, request) =>
        fetchAllPages(this.name, method, async (cursor) => {
          const page = (await client.request(
            { method, params: cursor ? { cursor } : {} },
            request,
          )) as Record<string, unknown>;
          return { items: page[name] as ListItems[N][], nextCursor: page.nextCursor as string | undefined };
        }),
      ),
    );
  }

  async #run<T>(
    method: string,
    options: CallOptions,
    send: (client: Client, request: RequestOptions, session: Session) => Promise<T>,
    activity = true,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const id = ++this.#callSeq;
    // Health pings are not use: they must not keep an idle process from being reaped.
    if (activity) this.#inFlight.set(id, options.caller);
    if (activity) this.#lastActivityAt = this.#now();
    const request: RequestOptions = {
      timeout: timeoutMs,
      signal: options.signal,
      onprogress: options.onProgress,
    };
    try {
      return await this.#sessions.use((session) => send(session.client, request, session), options.signal);
    } catch (error) {
      throw toBackendError(error, { backend: this.name, method, timeoutMs, signal: options.signal });
    } finally {
      if (activity) this.#inFlight.delete(id);
      if (activity) this.#lastActivityAt = this.#now();
    }
  }

  #emitListChanged(kinds: readonly ListKind[]): void {
    for (const kind of kinds) for (const listener of this.#listChanged) listener(kind);
  }
}
