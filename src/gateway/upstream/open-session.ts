import {
  Client,
  type Implementation,
  type LoggingMessageNotificationParams,
  SseError,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';
import { BackendError, toBackendError } from './backend-error.ts';
import { createTransport, type TransportOptions } from './create-transport.ts';
import type { DirectChannel } from './direct-request.ts';
import { HttpChannel } from './http-channel.ts';
import { ProcessTransport } from './process-transport.ts';
import {
  installServerRequests,
  SERVER_REQUEST_CAPABILITIES,
  type ServerRequestContext,
  type ServerRequestHandler,
} from './server-requests.ts';

/** The kinds of list a backend can announce as changed. */
export type ListKind = 'tools' | 'resources' | 'prompts';

/** One initialized MCP session with a backend. */
export interface Session {
  client: Client;
  transport: Transport;
  /** The way around the SDK client for plain requests (stdio and Streamable HTTP), or null. */
  direct: DirectChannel | null;
}

/** How a new session reports back to the connection that owns it. */
export interface SessionHooks extends TransportOptions {
  clientInfo: Implementation;
  /** The handler current at open time decides whether sampling, elicitation and roots are advertised. */
  serverRequestHandler: () => ServerRequestHandler | null;
  serverRequestContext: (signal: AbortSignal) => ServerRequestContext;
  onListChanged: (kind: ListKind) => void;
  onResourceUpdated: (uri: string) => void;
  /** The backend sent a log message (notifications/message). */
  onLog: (params: LoggingMessageNotificationParams) => void;
  /** The transport closed; called for every session, including ones that failed to open. */
  onClosed: (transport: Transport) => void;
  /**
   * The stream that carries the server's notifications broke. A legacy SSE EventSource would
   * reconnect into a new, uninitialized server session and silently carry on there, so the owner
   * must replace the session; `callsLost` says whether answers to calls in flight went with it.
   */
  onStreamLost: (transport: Transport, callsLost: boolean) => void;
}

/**
 * Starts the backend's transport and runs the initialize handshake within `connectTimeoutMs`.
 * On any failure (or when `signal` aborts) the transport is closed, so no process is left behind.
 */
export async function openSession(
  config: BackendConfig,
  hooks: SessionHooks,
  signal: AbortSignal,
): Promise<Session> {
  const transport = createTransport(config, hooks);
  const withRequests = hooks.serverRequestHandler() !== null;
  const client = new Client(hooks.clientInfo, {
    capabilities: withRequests ? SERVER_REQUEST_CAPABILITIES : {},
    // Over Streamable HTTP, probe for 2026-07-28 (one extra round trip, then initialize if the server
    // is older). Over stdio the probe would spawn a second process, and legacy SSE predates it.
    versionNegotiation: { mode: config.transport === 'http' ? 'auto' : 'legacy' },
  });
  if (withRequests) installServerRequests(client, hooks.serverRequestHandler, hooks.serverRequestContext);
  client.setNotificationHandler('notifications/tools/list_changed', () => hooks.onListChanged('tools'));
  client.setNotificationHandler('notifications/prompts/list_changed', () => hooks.onListChanged('prompts'));
  client.setNotificationHandler('notifications/resources/list_changed', () =>
    hooks.onListChanged('resources'),
  );
  client.setNotificationHandler('notifications/resources/updated', (notification) =>
    hooks.onResourceUpdated(notification.params.uri),
  );
  client.setNotificationHandler('notifications/message', (notification) => hooks.onLog(notification.params));
  client.onclose = () => hooks.onClosed(transport);
  // Other transport errors surface again as the failing request's rejection.
  client.onerror = (error) => {
    if (error instanceof SseError) hooks.onStreamLost(transport, true);
    // Streamable HTTP: the backend stopped answering at all (refused, or its stream's socket closed),
    // or the SDK gave up re-opening a dropped stream. Left alone, a dead backend stays "ready" and its
    // cached tools stay listed; the renewal either finds it again or marks the connection failed.
    else if (config.transport === 'http' && isConnectionLoss(error)) hooks.onStreamLost(transport, false);
  };

  const timeoutMs = config.connectTimeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const stop = AbortSignal.any([signal, deadline]);
  let onStop = () => {};
  // transport.start() has no timeout of its own (an SSE stream may never announce its endpoint).
  const stopped = new Promise<never>((_resolve, reject) => {
    onStop = () => reject(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
  });
  try {
    await Promise.race([client.connect(transport, { timeout: timeoutMs, signal: stop }), stopped]);
    if (client.getProtocolEra() === 'modern') {
      await Promise.race([listenForChanges(client, transport, hooks), stopped]);
    }
    return { client, transport, direct: directChannel(config, client, transport, hooks, withRequests) };
  } catch (error) {
    await client.close().catch(() => {});
    if (signal.aborted) {
      throw new BackendError('closed', config.name, `connection to "${config.name}" was closed`);
    }
    throw startupError(config, transport, error, deadline.aborted);
  } finally {
    stop.removeEventListener('abort', onStop);
  }
}

/** The session's way around the SDK client: the stdio process itself, or node:http to the same URL. */
function directChannel(
  config: BackendConfig,
  client: Client,
  transport: Transport,
  hooks: SessionHooks,
  withRequests: boolean,
): DirectChannel | null {
  if (transport instanceof ProcessTransport) return transport;
  if (config.transport !== 'http' || !(transport instanceof StreamableHTTPClientTransport)) return null;
  const protocolVersion = client.getNegotiatedProtocolVersion();
  if (protocolVersion === undefined) return null;
  return new HttpChannel({
    url: new URL(config.url),
    headers: config.headers,
    protocolVersion,
    sessionId: () => transport.sessionId,
    clientInfo: hooks.clientInfo,
    capabilities: withRequests ? SERVER_REQUEST_CAPABILITIES : {},
    onMessage: (message) => transport.onmessage?.(message),
    notify: (message) => transport.send(message),
    onConnectionLoss: () => hooks.onStreamLost(transport, false),
  });
}

/**
 * Whether a Streamable HTTP transport error means the backend is unreachable rather than that one
 * request failed: fetch rejects with `TypeError('fetch failed')` only when no HTTP answer came, and
 * the SDK reports the end of its stream reconnection attempts only by this message.
 */
function isConnectionLoss(error: Error): boolean {
  return (
    (error instanceof TypeError && error.message === 'fetch failed') ||
    error.message.startsWith('Maximum reconnection attempts')
  );
}

/** Says why a backend did not come up, in words safe to show: never its env, headers or URL. */
function startupError(config: BackendConfig, transport: Transport, error: unknown, timedOut: boolean): Error {
  const { name, connectTimeoutMs } = config;
  if (timedOut) {
    return new BackendError('timeout', name, `backend "${name}" did not start within ${connectTimeoutMs} ms`);
  }
  const exit = transport instanceof ProcessTransport ? transport.exitDescription : null;
  if (exit !== null) {
    return new BackendError('unavailable', name, `backend "${name}" ${exit} during startup`, {
      cause: error,
    });
  }
  const { syscall, code } = error as { syscall?: unknown; code?: unknown };
  if (typeof syscall === 'string' && syscall.startsWith('spawn')) {
    const why = typeof code === 'string' ? ` (${code})` : '';
    return new BackendError('unavailable', name, `backend "${name}" could not be started${why}`, {
      cause: error,
    });
  }
  return toBackendError(error, { backend: name, method: 'initialize', timeoutMs: connectTimeoutMs });
}

/**
 * 2026-07-28 servers send list changes only on a `subscriptions/listen` stream; they are dispatched
 * to the notification handlers registered above. A stream the server ends is a lost stream.
 */
async function listenForChanges(client: Client, transport: Transport, hooks: SessionHooks): Promise<void> {
  const capabilities = client.getServerCapabilities();
  const filter = {
    ...(capabilities?.tools?.listChanged && { toolsListChanged: true }),
    ...(capabilities?.prompts?.listChanged && { promptsListChanged: true }),
    ...(capabilities?.resources?.listChanged && { resourcesListChanged: true }),
  };
  if (Object.keys(filter).length === 0) return;
  const subscription = await client.listen(filter);
  void subscription.closed.then((how) => {
    if (how !== 'local') hooks.onStreamLost(transport, false);
  });
}
