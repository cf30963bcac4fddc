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
import { type BodyReader, type ExchangeHandlers, Http1Client, type ResponseHead } from './http1-client.ts';

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

/** One POST and its answer: the lean client's way (plain http:) or node:https's. */
export type Post = (
  headers: Readonly<Record<string, string>>,
  body: string,
  handlers: ExchangeHandlers,
) => () => void;

/** node:https in the lean client's shape: the same head, body text and failures. */
export function httpsPost(agent: https.Agent, target: https.RequestOptions): Post {
  return (headers, body, handlers) => {
    let reader: BodyReader | null = null;
    let done = false;
    const finish = () => {
      const was = done;
      done = true;
      return !was;
    };
    const request = https.request(
      { ...target, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const head = { status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers };
        if (done) return;
        reader = handlers.response(head);
        response.setEncoding('utf8');
        response.on('data', (text: string) => done || reader?.data(text));
        response.on('end', () => finish() && reader?.end());
        response.on('error', (error) => finish() && reader?.error(error));
      },
    );
    request.on('error', (error) => {
      if (!finish()) return;
      if (reader === null) handlers.error(error);
      else reader.error(error);
    });
    request.end(body);
    return () => {
      done = true;
      request.destroy();
    };
  };
}

/**
 * Plain requests to a Streamable HTTP backend around the SDK client's fetch: over the lean HTTP/1.1
 * client for http: URLs (half node:http's CPU per request), over node:https with a keep-alive agent
 * for https: ones. The same request (headers, body, 2026-07-28 envelope) and the same reading of the
 * answer as the SDK client — a JSON body, or an event stream whose other messages go to the SDK
 * client — and the same failures: a 400 JSON-RPC error as the backend's error, any other status as
 * SdkHttpError (a 404 expires a 2025 session), no answer at all as the connection's error.
 */
export class HttpChannel implements DirectChannel {
  #options: HttpChannelOptions;
  #post: Post;
  #close: () => void;
  /** The 2026-07-28 `_meta` envelope, before a request's own `_meta` keys. */
  #envelope: Readonly<Record<string, unknown>>;
  /** How to stop each request in flight, by id. */
  #inFlight = new Map<string, () => void>();

  constructor(options: HttpChannelOptions) {
    this.#options = options;
    const headers = {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': options.protocolVersion,
    };
    if (options.url.protocol === 'https:') {
      const agent = new https.Agent({ keepAlive: true });
      const post = httpsPost(agent, { ...urlToHttpOptions(options.url), method: 'POST', agent });
      this.#post = (own, body, handlers) => post({ ...headers, ...own }, body, handlers);
      this.#close = () => agent.destroy();
    } else {
      const client = new Http1Client(options.url, { headers });
      this.#post = (own, body, handlers) => client.post(own, body, handlers);
      this.#close = () => client.close();
    }
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
    // This request's own headers; the backend's and the transport's go with every request.
    const headers: Record<string, string> = {};
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
    const { id } = message;
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        this.#inFlight.delete(id);
        outcome();
      };
      const stop = this.#post(headers, JSON.stringify(sent), {
        response: (head) =>
          this.#reader(
            id,
            head,
            (answer) => settle(() => resolve(answer)),
            (error) => settle(() => reject(error)),
          ),
        error: (error) => {
          // No HTTP answer at all: the backend may be gone (a request cancel() stopped says nothing).
          this.#options.onConnectionLoss();
          settle(() => reject(error));
        },
      });
      this.#inFlight.set(id, stop);
    });
  }

  /**
   * Stops waiting for `id`. A 2026-07-28 request is cancelled by closing its connection; a 2025 one
   * by notifications/cancelled (closing a stream does not cancel there).
   */
  cancel(id: string, reason: string): void {
    const stop = this.#inFlight.get(id);
    if (stop === undefined) return;
    this.#inFlight.delete(id);
    if (this.#options.protocolVersion !== MODERN) {
      const cancelled = {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason },
      };
      this.#options.notify(cancelled as JSONRPCMessage).catch(() => undefined);
    }
    stop();
  }

  /** Closes the connections. */
  close(): void {
    this.#close();
  }

  /** Reads the answer to `id`: a JSON body, an event stream, or an HTTP error. */
  #reader(
    id: string,
    head: ResponseHead,
    resolve: (answer: RawResponse) => void,
    reject: (error: Error) => void,
  ): BodyReader {
    const { status, statusText } = head;
    const type = (head.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (status === 200 && type === 'text/event-stream') return this.#streamReader(id, resolve, reject);
    let text = '';
    return {
      data: (piece) => {
        text += piece;
      },
      error: reject,
      end: () => {
        try {
          resolve(this.#answerIn(id, status, statusText, type, text));
        } catch (error) {
          reject(error as Error);
        }
      },
    };
  }

  #answerIn(id: string, status: number, statusText: string, type: string, text: string): RawResponse {
    if (status === 200 && type === 'application/json') {
      const message: unknown = JSON.parse(text);
      if (isResponseTo(id, message)) return message;
      throw new SdkHttpError(SdkErrorCode.ClientHttpUnexpectedContent, 'Unexpected JSON response', {
        status,
        statusText,
        text,
      });
    }
    if (status === 400 && this.#options.protocolVersion === MODERN) {
      const message = parseOrNull(text);
      if (isResponseTo(id, message) && 'error' in message) return message;
    }
    throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
      status,
      statusText,
      text,
    });
  }

  /**
   * Reads Server-Sent Events until the answer to `id`; the other messages go to the SDK client. The
   * rest of the stream is read and dropped, so the connection can carry the next request.
   */
  #streamReader(
    id: string,
    resolve: (answer: RawResponse) => void,
    reject: (error: Error) => void,
  ): BodyReader {
    let buffer = '';
    let done = false;
    return {
      data: (chunk) => {
        if (done) return;
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
            buffer = '';
            resolve(message);
            return;
          }
          try {
            this.#options.onMessage(parseJSONRPCMessage(message));
          } catch {
            // Not JSON-RPC: skipped, as the SDK's stream reader reports and skips it.
          }
        }
      },
      end: () => {
        if (!done)
          reject(
            new SdkHttpError(SdkErrorCode.ClientHttpUnexpectedContent, 'The stream ended without an answer', {
              status: 200,
              statusText: '',
            }),
          );
      },
      error: (error) => {
        if (!done) reject(error);
      },
    };
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
