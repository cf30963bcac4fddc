import {
  type CallToolRequest,
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type InputRequiredResult,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Gateway } from '../gateway.ts';
import type { CallOptions, ServerRequestMethod } from '../upstream/index.ts';
import { callCatalogTool } from './call-tool.ts';
import type { ServeScope } from './caller-server.ts';
import { type AskClient, DownstreamCall, isLoggingLevel } from './downstream-call.ts';

/** How an upstream call reaches the downstream client it runs for. */
interface Channel {
  /** Sends a notification (progress, a log message) related to the call. */
  notify: (notification: { method: string; params: object }) => void;
  /** Asks the client a backend's question; null when it cannot be asked. */
  ask: AskClient | null;
  signal: AbortSignal;
}

/** The request's 2026-07-28 `_meta` envelope (validated by the SDK), or undefined for a 2025 request. */
function envelopeOf(ctx: ServerContext): Record<string, unknown> | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return envelope?.[PROTOCOL_VERSION_META_KEY] === undefined ? undefined : envelope;
}

/**
 * A request's own channel: notifications on its stream; a 2025 client is asked directly (the SDK
 * refuses if it declared no such capability), a 2026-07-28 one cannot be (see forwardToolCall).
 */
function directChannel(ctx: ServerContext, modern: boolean): Channel {
  return {
    notify: (notification) => void ctx.mcpReq.notify(notification as never).catch(() => undefined),
    ask: modern
      ? null
      : async (method, params, signal) =>
          (await ctx.mcpReq.send({ method, params } as never, { signal })) as Record<string, unknown>,
    signal: ctx.mcpReq.signal,
  };
}

/**
 * Options for an upstream request made on behalf of the downstream request `ctx`: its progress and
 * log messages go back through `channel` (log messages at the level its 2025 session chose, or its
 * 2026-07-28 `_meta` names, and none on 2026-07-28 without one), its cancellation goes upstream.
 */
export function forwarding(scope: ServeScope, ctx: ServerContext, channel?: Channel): CallOptions {
  const envelope = envelopeOf(ctx);
  const modern = envelope !== undefined;
  const via = channel ?? directChannel(ctx, modern);
  const level = envelope?.[LOG_LEVEL_META_KEY];
  const requested = isLoggingLevel(level) ? level : null;
  const call = new DownstreamCall({
    caller: scope.caller,
    aggregate: scope.backend === undefined,
    logLevel: modern ? () => requested : () => scope.logLevel,
    notify: via.notify,
    ask: via.ask,
  });
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    signal: via.signal,
    caller: call,
    logLevel: call.requestedLogLevel,
    onProgress:
      token === undefined
        ? undefined
        : (progress) =>
            via.notify({ method: 'notifications/progress', params: { ...progress, progressToken: token } }),
  };
}

/** True when the client declared what answering `method` takes (2026-07-28: in the request envelope). */
function canAnswer(
  capabilities: ClientCapabilities | undefined,
  method: ServerRequestMethod,
  params: unknown,
) {
  if (method === 'sampling/createMessage') return capabilities?.sampling !== undefined;
  if (method === 'roots/list') return capabilities?.roots !== undefined;
  const elicitation = capabilities?.elicitation;
  if (elicitation === undefined) return false;
  // A bare `elicitation: {}` means form mode, as in 2025.
  const mode = (params as { mode?: unknown } | undefined)?.mode === 'url' ? 'url' : 'form';
  return mode === 'url'
    ? elicitation.url !== undefined
    : elicitation.form !== undefined || elicitation.url === undefined;
}

/**
 * A tools/call. On 2026-07-28 a client that declared sampling, elicitation or roots (or that retries a
 * call with the answers) goes through the gateway's input bridge: a backend's question mid-call
 * becomes an `input_required` result for the client, and its retry answers the waiting backend.
 */
export function forwardToolCall(
  gateway: Gateway,
  scope: ServeScope,
  request: CallToolRequest,
  ctx: ServerContext,
): Promise<CallToolResult | InputRequiredResult> {
  const envelope = envelopeOf(ctx);
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  const requestState = ctx.mcpReq.requestState();
  const asks = capabilities?.sampling ?? capabilities?.elicitation ?? capabilities?.roots;
  if (envelope === undefined || (requestState === undefined && asks === undefined))
    return callCatalogTool(gateway, scope, request.params, forwarding(scope, ctx));
  const round = {
    requestState,
    inputResponses: ctx.mcpReq.inputResponses,
    signal: ctx.mcpReq.signal,
    notify: (notification: object) => void ctx.mcpReq.notify(notification as never).catch(() => undefined),
  };
  return gateway.inputs.run(scope.caller, round, (bridge, signal) => {
    const ask: AskClient = (method, params, askSignal) => {
      if (!canAnswer(capabilities, method, params))
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          `The calling client cannot answer ${method}`,
        );
      return bridge.ask(method, params, askSignal);
    };
    const channel: Channel = { notify: bridge.notify, ask, signal };
    return callCatalogTool(gateway, scope, request.params, forwarding(scope, ctx, channel));
  });
}
