import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type ClientCapabilities,
  type Implementation,
  type JSONRPCMessage,
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  SdkErrorCode,
  SdkHttpError,
} from '@modelcontextprotocol/client';
import type { DirectChannel, DirectMessage, RawResponse } from './direct-request.ts';

/** What a Streamable HTTP session tells its direct channel. */
export interface HttpChannelOptions {
  url: URL;
  /** The backend's configured headers (its credentials). */
  headers: Readonly<Record<string, string>>;
  /** The agreed revision: 2026-07-28 requests carry the `_meta` envelope and the standard headers. */
  protocolVersion: string;
  /** The 2025 session id, sent as Mcp-Session-Id (read when a request is sent). */
  sessionId: () => string | undefined;
  /** What the SDK client puts in the 2026-07-28 envelope. */
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  /** Receives the other messages of a response stream (notifications, the backend's own requests). */
  onMessage: (message: JSONRPCMessage) => void;
  /** Sends a notification the SDK client's way (a 2025 cancellation). */
  notify: (message: JSONRPCMessage) => Promise<void>;
  /** No HTTP answer came at all (refused, reset): the backend may be gone. */
  onConnectionLoss: () => void;
}

const MODERN = '2026-07-28';

/** True when the SDK client would send `value` as a header as it is (no `=?base64?…?=` form). */
function plainHeaderValue(value: string): boolean {
  return value.length > 0 && value === value.trim() && /^[\t\x20-\x7e]*$/.test(value);
}

function isResponseTo(id: string, message: unknown): message is RawResponse {
  if (typeof message !== 'object' || message === null) return false;
  const { id: answered, result, error } = message as Record<string, unknown>;
  return answered === id && (result !== undefined || error !== undefined);
}

/**
 * Plain requests to a Streamable HTTP backend over node:http with a keep-alive agent, instead of the
 * SDK client's fetch: the same request (headers, body, 2026-07-28 envelope) and the same reading of
 * the answer — a JSON body, or an event stream whose other messages go to the SDK client — and the
 * same failures: a 400 JSON-RPC error as the backend's error, any other status as SdkHttpError (a 404
 * expires a 2025 session), no answer at all as the socket's error.
 */
export class HttpChannel implements DirectChannel {
  #options: HttpChannelOptions;
  #agent: http.Agent;
  #client: typeof http | typeof https;
  /** Where every request goes (the URL as node:http takes it), worked out once. */
  #target: http.RequestOptions;
  /** The headers every request carries: the backend's own, then the transport's. */
  #headers: Readonly<Record<string, string>>;
  /** The 2026-07-28 `_meta` envelope, before a request's own `_meta` keys. */
  #envelope: Readonly<Record<string, unknown>>;
  #requests = new Map<string, http.ClientRequest>();

  constructor(options: HttpChannelOptions) {
    this.#options = options;
    const secure = options.url.protocol === 'https:';
    this.#agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true });
    this.#client = secure ? https : http;
    this.#target = { ...urlToHttpOptions(options.url), method: 'POST', agent: this.#agent };
    this.#headers = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': options.protocolVersion,
    };
    this.#envelope = {
      [PROTOCOL_VERSION_META_KEY]: options.protocolVersion,
      [CLIENT_INFO_META_KEY]: options.clientInfo,
      [CLIENT_CAPABILITIES_META_KEY]: options.capabilities,
    };
  }

  /** False for a request the SDK client would send differently (an encoded Mcp-Name header). */
  accepts(message: { method: string; params: Record<string, unknown> }): boolean {
    const { name } = message.params;
    return this.#options.protocolVersion !== MODERN || typeof name !== 'string' || plainHeaderValue(name);
  }

  exchange(message: DirectMessage): Promise<RawResponse> {
    const { protocolVersion } = this.#options;
    const modern = protocolVersion === MODERN;
    const headers: Record<string, string> = { ...this.#headers };
    let sent: DirectMessage = message;
    if (modern) {
      headers['mcp-method'] = message.method;
      if (typeof message.params.name === 'string') headers['mcp-name'] = message.params.name;
      const meta = message.params._meta as Record<string, unknown> | undefined;
      const envelope = meta === undefined ? this.#envelope : { ...this.#envelope, ...meta };
      sent = { ...message, params: { ...message.params, _meta: envelope } };
    } else {
      const session = this.#options.sessionId();
      if (session !== undefined) headers['mcp-session-id'] = session;
    }
    const body = JSON.stringify(sent);
    headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = this.#client.request({ ...this.#target, headers }, (response) => {
        answered = true;
        this.#read(message.id, response).then(resolve, reject);
      });
      this.#requests.set(message.id, request);
      request.on('close', () => {
        if (this.#requests.get(message.id) === request) this.#requests.delete(message.id);
      });
      request.on('error', (error) => {
        // A request cancel() dropped is not a lost backend.
        if (!answered && this.#requests.get(message.id) === request) this.#options.onConnectionLoss();
        reject(error);
      });
      request.end(body);
    });
  }

  /**
   * Stops waiting for `id`. A 2026-07-28 request is cancelled by closing its connection; a 2025 one
   * by notifications/cancelled (closing a stream does not cancel there).
   */
  cancel(id: string, reason: string): void {
    const request = this.#requests.get(id);
    if (request === undefined) return;
    this.#requests.delete(id);
    if (this.#options.protocolVersion !== MODERN) {
      const cancelled = {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason },
      };
      this.#options.notify(cancelled as JSONRPCMessage).catch(() => undefined);
    }
    request.destroy();
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }

  async #read(id: string, response: http.IncomingMessage): Promise<RawResponse> {
    const status = response.statusCode ?? 0;
    const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (status === 200 && type === 'text/event-stream') return this.#readStream(id, response);
    const text = await readText(response);
    if (status === 200 && type === 'application/json') {
      const message: unknown = JSON.parse(text);
      if (isResponseTo(id, message)) return message;
      throw new SdkHttpError(SdkErrorCode.ClientHttpUnexpectedContent, 'Unexpected JSON response', {
        status,
        statusText: response.statusMessage ?? '',
        text,
      });
    }
    if (status === 400 && this.#options.protocolVersion === MODERN) {
      const message = parseOrNull(text);
      if (isResponseTo(id, message) && 'error' in message) return message;
    }
    throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
      status,
      statusText: response.statusMessage ?? '',
      text,
    });
  }

  /** Reads Server-Sent Events until the answer to `id`; the other messages go to the SDK client. */
  #readStream(id: string, response: http.IncomingMessage): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      let buffer = '';
      let done = false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk.replace(/\r\n?/g, '\n');
        let end = buffer.indexOf('\n\n');
        while (end !== -1 && !done) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
            .join('\n');
          const message = data === '' ? null : parseOrNull(data);
          if (message === null) continue;
          if (isResponseTo(id, message)) {
            done = true;
            resolve(message);
            response.resume();
            return;
          }
          try {
            this.#options.onMessage(parseJSONRPCMessage(message));
          } catch {
            // Not JSON-RPC: skipped, as the SDK's stream reader reports and skips it.
          }
        }
      });
      response.on('end', () => {
        if (!done)
          reject(
            new SdkHttpError(SdkErrorCode.ClientHttpUnexpectedContent, 'The stream ended without an answer', {
              status: 200,
              statusText: '',
            }),
          );
      });
      response.on('error', reject);
    });
  }
}

function readText(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
