import { type CallToolResult, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { toolCallTracing } from '../../tracing/index.ts';
import type { Gateway } from '../gateway.ts';
import { BackendError, type CallOptions } from '../upstream/index.ts';
import type { ServeScope } from './caller-server.ts';

/** A backend failure as the JSON-RPC error the client sees: the reason, never a stack or a secret. */
export function upstreamError(error: unknown): never {
  if (error instanceof ProtocolError) throw error;
  if (error instanceof BackendError) throw new ProtocolError(ProtocolErrorCode.InternalError, error.message);
  throw new ProtocolError(ProtocolErrorCode.InternalError, 'The backend failed');
}

/**
 * Calls the tool the caller knows as `name` on the backend that owns it, and audits the call. A
 * name the caller's catalog does not list (unknown, or refused by the policy) throws the same
 * -32602 `Tool … not found`; a backend failure throws -32603 with its reason. A forwarded call
 * gets a span when tracing is on.
 */
export async function callCatalogTool(
  gateway: Gateway,
  scope: ServeScope,
  params: { name: string; arguments?: Record<string, unknown> | undefined },
  options: CallOptions,
): Promise<CallToolResult> {
  const target = (await gateway.catalogFor(scope.caller, scope.sessionId, scope.backend)).resolveTool(
    params.name,
  );
  if (target === null)
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${params.name} not found`);
  const started = performance.now();
  let outcome = 'ok';
  const span = toolCallTracing.on ? toolCallTracing.start(target.backend, target.name) : null;
  try {
    let result: CallToolResult;
    // Untraced, the benchmarked path stays as it was: no closure, no extra await.
    if (span === null) {
      const connection = await gateway.connection(target.backend, scope.caller, scope.sessionId);
      result = await connection.callTool(target.name, params.arguments ?? {}, options);
    } else {
      result = await span.run(async () => {
        const connection = await gateway.connection(target.backend, scope.caller, scope.sessionId);
        return connection.callTool(target.name, params.arguments ?? {}, options);
      });
    }
    if (result.isError) outcome = 'tool_error';
    return result;
  } catch (error) {
    outcome = error instanceof BackendError ? error.code : 'error';
    return upstreamError(error);
  } finally {
    const durationMs = performance.now() - started;
    span?.end(outcome, durationMs);
    gateway.recordToolCall({
      caller: scope.caller,
      backend: target.backend,
      tool: target.name,
      outcome,
      durationMs,
      arguments: params.arguments,
    });
  }
}
