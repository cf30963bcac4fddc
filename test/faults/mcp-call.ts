import { type Answer, parseJson, send } from './fault-helpers.ts';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'faults', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A JSON-RPC answer as an MCP client reads it. */
export interface RpcMessage {
  id?: unknown;
  result?: { content?: { type: string; text?: string }[]; isError?: boolean };
  error?: { code: number; message: string };
}

/** An HTTP answer to a tools/call, and its JSON-RPC message (sent as JSON or as one SSE event). */
export interface ToolCallAnswer extends Answer {
  message: RpcMessage | null;
}

let nextId = 1;

/**
 * One stateless 2026-07-28 `tools/call` of `name` POSTed to `path` as `bearer`, by hand, so the
 * test sees the HTTP status and headers a client library would hide. Rejects like `send`.
 */
export async function callTool(
  baseUrl: string,
  bearer: string,
  name: string,
  args: Record<string, unknown>,
  options: { path?: string; timeoutMs?: number } = {},
): Promise<ToolCallAnswer> {
  const answer = await send(baseUrl, 'POST', options.path ?? '/mcp', {
    bearer,
    timeoutMs: options.timeoutMs,
    headers: {
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: { name, arguments: args, _meta: MODERN_META },
    },
  });
  const json = (answer.headers.get('content-type') ?? '').includes('text/event-stream')
    ? answer.text
        .split('\n')
        .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
        .map((line) => line.slice('data: '.length))
        .at(-1)
    : answer.text;
  return { ...answer, message: parseJson(json) as RpcMessage | null };
}

/** The first text content of a tools/call result, or null. */
export function resultText(answer: ToolCallAnswer): string | null {
  return answer.message?.result?.content?.[0]?.text ?? null;
}
