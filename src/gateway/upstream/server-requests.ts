import {
  type Client,
  type ClientCapabilities,
  type HandlerResultTypeMap,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/client';

/** Requests a backend may send to its client, which the gateway routes to a downstream client. */
export type ServerRequestMethod = 'sampling/createMessage' | 'elicitation/create' | 'roots/list';

/** What a server-request handler knows about where the request came from. */
export interface ServerRequestContext {
  backend: string;
  /** Aborted when the backend cancels the request or the connection closes. */
  signal: AbortSignal;
  /**
   * The `caller` tags of the calls in flight on this connection when the request arrived. The 2025
   * protocol does not say which call a server request belongs to; with one caller it is that one.
   */
  callers: readonly unknown[];
}

/**
 * Answers a server-to-client request. Resolve with the raw MCP result; throw a ProtocolError to send
 * a JSON-RPC error back to the backend.
 */
export type ServerRequestHandler = (
  method: ServerRequestMethod,
  params: Record<string, unknown> | undefined,
  context: ServerRequestContext,
) => Promise<Record<string, unknown>>;

/** The client capabilities a connection advertises when it has a server-request handler. */
export const SERVER_REQUEST_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: {},
};

/**
 * Registers the server-request methods on `client` (which must have been built with
 * {@link SERVER_REQUEST_CAPABILITIES}), delegating to whatever handler `current()` returns at the time.
 */
export function installServerRequests(
  client: Client,
  current: () => ServerRequestHandler | null,
  context: (signal: AbortSignal) => ServerRequestContext,
): void {
  const handle = async (method: ServerRequestMethod, params: object | undefined, signal: AbortSignal) => {
    const handler = current();
    if (!handler) {
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `No client is available to answer ${method}`);
    }
    return handler(method, params as Record<string, unknown> | undefined, context(signal));
  };
  // The gateway forwards the downstream client's answer verbatim; for sampling and elicitation the
  // SDK validates it against the spec schema before it goes upstream.
  type Answer<M extends ServerRequestMethod> = Promise<HandlerResultTypeMap[M]>;
  client.setRequestHandler(
    'sampling/createMessage',
    (request, ctx) =>
      handle(request.method, request.params, ctx.mcpReq.signal) as Answer<'sampling/createMessage'>,
  );
  client.setRequestHandler(
    'elicitation/create',
    (request, ctx) =>
      handle(request.method, request.params, ctx.mcpReq.signal) as Answer<'elicitation/create'>,
  );
  client.setRequestHandler(
    'roots/list',
    (request, ctx) => handle(request.method, request.params, ctx.mcpReq.signal) as Answer<'roots/list'>,
  );
}
