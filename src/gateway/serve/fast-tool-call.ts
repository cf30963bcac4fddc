import { ProtocolError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Gateway } from '../gateway.ts';
import { callCatalogTool } from './call-tool.ts';
import type { ServeScope } from './caller-server.ts';

/** A `tools/call` simple enough to answer without the SDK's server: no progress, one message. */
export interface PlainToolCall {
  id: string | number;
  params: { name: string; arguments?: Record<string, unknown> };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The call in `body` when the gateway may answer it directly as JSON: a single JSON-RPC
 * `tools/call` with a string name, object arguments and no progress token, from a client that
 * accepts JSON and sends a supported (or no) MCP-Protocol-Version. Null sends it the usual way.
 */
export function plainToolCall(request: Request, body: unknown): PlainToolCall | null {
  if (request.method !== 'POST' || !isPlainObject(body)) return null;
  if (!request.headers.get('accept')?.includes('application/json')) return null;
  const version = request.headers.get('mcp-protocol-version');
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return null;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || method !== 'tools/call' || !isPlainObject(params)) return null;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  if (typeof params.name !== 'string') return null;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  if (params._meta !== undefined && (!isPlainObject(params._meta) || 'progressToken' in params._meta))
    return null;
  return {
    id,
    params: { name: params.name, arguments: params.arguments as Record<string, unknown> | undefined },
  };
}

/** The id of the request a `notifications/cancelled` body cancels, or null for any other body. */
export function cancelledRequestId(body: unknown): string | number | null {
  if (!isPlainObject(body) || body.method !== 'notifications/cancelled' || !isPlainObject(body.params))
    return null;
  const { requestId } = body.params;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : null;
}

/**
 * Answers a plain tools/call with one JSON response (the hot path: it skips the SDK server's
 * dispatch and the SSE framing). `inFlight` lets a later `notifications/cancelled` abort it.
 */
export async function answerToolCall(
  gateway: Gateway,
  scope: ServeScope,
  call: PlainToolCall,
  inFlight: Map<string | number, AbortController>,
  headers: Record<string, string>,
): Promise<Response> {
  const abort = new AbortController();
  inFlight.set(call.id, abort);
  let payload: Record<string, unknown>;
  try {
    const result = await callCatalogTool(gateway, scope, call.params, { signal: abort.signal });
    payload = { jsonrpc: '2.0', id: call.id, result };
  } catch (error) {
    const { code, message } =
      error instanceof ProtocolError ? error : { code: -32603, message: 'The backend failed' };
    payload = { jsonrpc: '2.0', id: call.id, error: { code, message } };
  } finally {
    inFlight.delete(call.id);
  }
  return new Response(JSON.stringify(payload), {
    status: 200,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
