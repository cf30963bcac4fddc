import { SdkHttpError, type Transport } from '@modelcontextprotocol/client';
import type { BackendConfig } from './backend-config.ts';

/**
 * Whether `error` says the backend no longer knows the session the transport holds: MCP Streamable
 * HTTP answers 404 to an expired or unknown `Mcp-Session-Id` (2025-11-25 §Session Management), and a
 * legacy SSE server answers 404 to a POST for a stream it has forgotten. The client must then start a
 * new session with a fresh `initialize`.
 */
export function isSessionExpired(
  error: unknown,
  transport: BackendConfig['transport'],
  held: Transport,
): boolean {
  if (transport === 'http') {
    return error instanceof SdkHttpError && error.status === 404 && held.sessionId !== undefined;
  }
  // The SDK's SSE transport reports a failed POST as a plain Error carrying the status.
  return transport === 'sse' && error instanceof Error && error.message.includes('(HTTP 404)');
}
