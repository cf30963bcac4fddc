// A light MCP client for load: node:http with a keep-alive socket per session, request bodies built
// by hand, answers (JSON or an SSE stream) parsed with JSON.parse. It speaks just enough of the
// protocol to call one tool: a 2025-11-25 session (initialize, notifications/initialized, calls with
// Mcp-Session-Id, DELETE at the end) or stateless 2026-07-28 requests. It costs a fraction of the
// SDK client's CPU per call, so on a small machine the proxies under test, not the load generator,
// set the rate.
import http from 'node:http';
import type { Endpoint, Era } from './gateway-harness.ts';

const CLIENT_INFO = { name: 'gatehouse-bench', version: '1.0.0' };
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** One session's way to call a tool: resolves to the text of the first content block. */
export interface ToolCaller {
  call(text: string): Promise<string | undefined>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function send(
  agent: http.Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const all =
      body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const request = http.request(url, { method, agent, headers: all }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The JSON-RPC message answering `id` in a JSON body or an SSE stream of `data:` lines. */
export function responseFor(answer: Answer, id: number): { result?: unknown; error?: unknown } {
  const type = answer.headers['content-type'] ?? '';
  const messages = type.startsWith('text/event-stream')
    ? answer.text
        .split('\n')
        .filter((line) => line.startsWith('data:') && line.length > 6)
        .map((line) => JSON.parse(line.slice(5)) as { id?: unknown })
    : [JSON.parse(answer.text) as { id?: unknown }];
  const message = messages.find((m) => m.id === id);
  if (!message) throw new Error(`no answer to request ${id}: ${answer.status} ${answer.text.slice(0, 200)}`);
  return message as { result?: unknown; error?: unknown };
}

/** Opens one session on `endpoint` in `era` that calls `tool` with `{text}`. */
export async function openLightSession(endpoint: Endpoint, era: Era, tool: string): Promise<ToolCaller> {
  const url = new URL(endpoint.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = {
    ...endpoint.headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  let headers: Record<string, string>;
  let sessionId: string | undefined;
  if (era === '2026-07-28') {
    headers = { ...base, 'mcp-protocol-version': era, 'mcp-method': 'tools/call', 'mcp-name': tool };
  } else {
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: era, capabilities: {}, clientInfo: CLIENT_INFO },
    });
    const init = await send(agent, url, 'POST', base, initialize);
    if (init.status !== 200 || responseFor(init, 0).result === undefined)
      throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 200)}`);
    // A stateless server (the direct HTTP echo) gives no session id.
    const id = init.headers['mcp-session-id'];
    sessionId = typeof id === 'string' ? id : undefined;
    headers = { ...base, ...(sessionId && { 'mcp-session-id': sessionId }), 'mcp-protocol-version': era };
    const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const ack = await send(agent, url, 'POST', headers, initialized);
    if (ack.status !== 202) throw new Error(`notifications/initialized refused: ${ack.status}`);
  }
  let nextId = 1;
  return {
    async call(text) {
      const id = nextId++;
      const params = {
        name: tool,
        arguments: { text },
        ...(era === '2026-07-28' && { _meta: MODERN_META }),
      };
      const answer = await send(
        agent,
        url,
        'POST',
        headers,
        JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
      );
      const { result } = responseFor(answer, id);
      return (result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
    },
    async close() {
      if (sessionId !== undefined) await send(agent, url, 'DELETE', headers).catch(() => undefined);
      agent.destroy();
    },
  };
}

/** Opens `count` sessions of `openLightSession`, one after another; closes those opened if one fails. */
export async function openLightSessions(
  endpoint: Endpoint,
  era: Era,
  tool: string,
  count: number,
): Promise<ToolCaller[]> {
  const sessions: ToolCaller[] = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(await openLightSession(endpoint, era, tool));
    return sessions;
  } catch (error) {
    await Promise.all(sessions.map((session) => session.close()));
    throw error;
  }
}
