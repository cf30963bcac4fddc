import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  classifyInboundRequest,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { Gateway } from '../gateway.ts';
import { CallReply, type PlainReply } from './call-reply.ts';
import { callCatalogTool } from './call-tool.ts';
import { type ServeScope, SERVER_INFO } from './caller-server.ts';
import { DownstreamCall } from './downstream-call.ts';

/** What the fast paths read of an HTTP request: its method and headers (null when absent). */
export interface RequestView {
  method: string;
  header(name: string): string | null;
}

/**
 * True for a POST the SDK's 2025 transport would read at all: one that accepts both JSON and event
 * streams, sends JSON, and names a supported MCP-Protocol-Version (or none). Anything else is left
 * to the transport, which answers 406, 415 or 400.
 */
export function readablePost(request: RequestView): boolean {
  if (request.method !== 'POST' || !isJsonContentType(request.header('content-type'))) return false;
  const accept = request.header('accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const version = request.header('mcp-protocol-version');
  return version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** A `tools/call` simple enough to answer without the SDK's server: no progress, one message. */
export interface PlainToolCall {
  id: string | number;
  params: { name: string; arguments?: Record<string, unknown> };
}

const MODERN_VERSION = '2026-07-28';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The call in a single JSON-RPC `tools/call` body with a string name, object arguments, no progress
 * token and nothing else in `params` (a task-augmented call or a multi-round-trip retry carries
 * more), or null.
 */
function toolCallOf(body: unknown): (PlainToolCall & { meta: Record<string, unknown> }) | null {
  if (!isPlainObject(body)) return null;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || method !== 'tools/call' || !isPlainObject(params)) return null;
  // JSON-RPC requests are strict at the top (the SDK refuses any other member).
  if (Object.keys(body).length !== 4) return null;
  // Ids as the SDK takes them (strings, integers); anything else goes its way and gets its answer.
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return null;
  if (typeof params.name !== 'string') return null;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  if (params._meta !== undefined && !isPlainObject(params._meta)) return null;
  if ('progressToken' in (params._meta ?? {})) return null;
  if (Object.keys(params).some((key) => key !== 'name' && key !== 'arguments' && key !== '_meta'))
    return null;
  return {
    id: id as string | number,
    params: { name: params.name, arguments: params.arguments as Record<string, unknown> | undefined },
    meta: params._meta ?? {},
  };
}

/**
 * The call in `body` when the gateway may answer a 2025 session's request directly: a single
 * JSON-RPC `tools/call` with a string name, object arguments, no progress token and no 2026-07-28
 * envelope, in a POST the SDK's transport would read (see readablePost). Null sends it the usual way.
 */
export function plainToolCall(request: RequestView, body: unknown): PlainToolCall | null {
  if (!readablePost(request)) return null;
  const call = toolCallOf(body);
  if (call === null || PROTOCOL_VERSION_META_KEY in call.meta) return null;
  return { id: call.id, params: call.params };
}

/**
 * The call in `body` when the gateway may answer a stateless 2026-07-28 request directly: a plain
 * `tools/call` (as for plainToolCall) that the SDK's entry would serve as it is — a valid per-request
 * envelope naming 2026-07-28 (classified by the SDK's own classifier), the standard headers present
 * and equal to the body (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` in plain form), a JSON
 * Content-Type, an Accept that takes JSON — and nothing can happen during the call that needs a
 * stream: no progress token, no log level, and a client that declared no sampling, elicitation or
 * roots. Anything else, every bad request included, takes the SDK path and gets its answer.
 */
export function plainModernToolCall(request: RequestView, body: unknown): PlainToolCall | null {
  if (request.method !== 'POST' || !isJsonContentType(request.header('content-type'))) return null;
  if (!request.header('accept')?.includes('application/json')) return null;
  if (
    request.header('mcp-protocol-version') !== MODERN_VERSION ||
    request.header('mcp-method') !== 'tools/call'
  )
    return null;
  const call = toolCallOf(body);
  if (call === null) return null;
  const { name } = call.params;
  // `=?base64?…?=` is the header's encoded form, which only the SDK decodes.
  if (request.header('mcp-name') !== name || name.startsWith('=?')) return null;
  if (LOG_LEVEL_META_KEY in call.meta) return null;
  const capabilities = call.meta[CLIENT_CAPABILITIES_META_KEY];
  if (
    isPlainObject(capabilities) &&
    (capabilities.sampling || capabilities.elicitation || capabilities.roots)
  )
    return null;
  return acceptsEnvelope(body, name, call.meta) ? { id: call.id, params: call.params } : null;
}

/** Envelopes (serialised `_meta`) of plain calls, and whether the SDK's classifier took them. */
const envelopes = new Map<string, boolean>();
const ENVELOPES_KEPT = 256;
const ENVELOPE_KEPT_CHARS = 4096;

/**
 * Whether the SDK's classifier serves the plain call `body` as a 2026-07-28 request. Its answer is
 * remembered by `_meta`, which is all it can depend on here: toolCallOf has pinned the rest (the
 * top-level members, a string or integer id, `tools/call`, `params` that the classifier reads only
 * for `_meta`) and the headers are the standard ones, equal to the body. A client sends the same
 * envelope with every call, so its validation (a Zod parse, tens of µs) runs once, not per call.
 */
function acceptsEnvelope(body: unknown, name: string, meta: Record<string, unknown>): boolean {
  const key = JSON.stringify(meta);
  const known = envelopes.get(key);
  if (known !== undefined) return known;
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: MODERN_VERSION,
    mcpMethodHeader: 'tools/call',
    mcpNameHeader: name,
    body,
  });
  const accepted =
    route.kind === 'modern' &&
    route.messageKind === 'request' &&
    route.classification.revision === MODERN_VERSION;
  // Bounded in entries and size: envelopes are the client's to choose. A `null` may stand for a
  // number too large for a double (JSON.stringify writes Infinity so), so such keys are not kept.
  if (key.length <= ENVELOPE_KEPT_CHARS && !key.includes('null')) {
    if (envelopes.size >= ENVELOPES_KEPT) envelopes.clear();
    envelopes.set(key, accepted);
  }
  return accepted;
}

/** The id of the request a `notifications/cancelled` body cancels, or null for any other body. */
export function cancelledRequestId(body: unknown): string | number | null {
  if (!isPlainObject(body) || body.method !== 'notifications/cancelled' || !isPlainObject(body.params))
    return null;
  const { requestId } = body.params;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : null;
}

/**
 * A tool result as the SDK's 2026-07-28 encoding sends it: `content` defaults to [], `resultType` to
 * `complete`, and `_meta` names the server unless the result already names one.
 */
function modernResult(result: CallToolResult): Record<string, unknown> {
  const typed: Record<string, unknown> = { ...result };
  if (typed.content === undefined) typed.content = [];
  if (typed.resultType === undefined) typed.resultType = 'complete';
  const meta = typed._meta;
  if (meta === undefined) typed._meta = { [SERVER_INFO_META_KEY]: SERVER_INFO };
  else if (isPlainObject(meta) && meta[SERVER_INFO_META_KEY] === undefined)
    typed._meta = { ...meta, [SERVER_INFO_META_KEY]: SERVER_INFO };
  return typed;
}

/** How a plain call is answered. */
export interface AnswerOptions {
  /** The 2025 encoding, or the 2026-07-28 one (result type and server identity stamped). */
  era: 'legacy' | 'modern';
  /** Response headers (the session id). */
  headers: Record<string, string>;
  /** Lets a later `notifications/cancelled` abort the call (2025 sessions). */
  inFlight?: Map<string | number, AbortController>;
  /** Aborts the call (a 2026-07-28 client cancels by going away). */
  signal?: AbortSignal;
}

/**
 * Answers a plain tools/call (the hot path: it skips the SDK server's dispatch). The answer is one
 * JSON response, unless a backend's log message for a 2025 session must go first: then the response
 * becomes an event stream. The backend's questions are refused (this client cannot be asked).
 */
export function answerToolCall(
  gateway: Gateway,
  scope: ServeScope,
  call: PlainToolCall,
  options: AnswerOptions,
): Promise<PlainReply> {
  const { era, inFlight } = options;
  // A controller only where a notifications/cancelled can reach it, and one signal where one will do.
  let signal = options.signal;
  if (inFlight !== undefined) {
    const abort = new AbortController();
    inFlight.set(call.id, abort);
    signal = signal === undefined ? abort.signal : AbortSignal.any([abort.signal, signal]);
  }
  const reply = new CallReply(options.headers);
  const downstream = new DownstreamCall({
    caller: scope.caller,
    aggregate: scope.backend === undefined,
    // 2026-07-28 log messages need a level in the request's `_meta`, which sends it the SDK way.
    logLevel: era === 'modern' ? () => null : () => scope.logLevel,
    notify: (notification) => reply.notify({ jsonrpc: '2.0', ...notification }),
  });
  const upstream = { signal, caller: downstream, logLevel: downstream.requestedLogLevel };
  void callCatalogTool(gateway, scope, call.params, upstream)
    .then(
      (result) =>
        reply.finish({
          jsonrpc: '2.0',
          id: call.id,
          result: era === 'modern' ? modernResult(result) : result,
        }),
      (error: unknown) => {
        const { code, message, data } =
          error instanceof ProtocolError
            ? error
            : { code: -32603, message: 'The backend failed', data: undefined };
        reply.finish({
          jsonrpc: '2.0',
          id: call.id,
          error: { code, message, ...(data !== undefined && { data }) },
        });
      },
    )
    .finally(() => inFlight?.delete(call.id));
  return reply.response;
}
