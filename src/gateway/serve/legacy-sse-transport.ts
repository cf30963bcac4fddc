import { PassThrough, type Readable } from 'node:stream';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';

/** How often a comment line is sent on an idle stream, so proxies and clients keep it open. */
export const SSE_KEEP_ALIVE_MS = 15_000;

/**
 * The server half of the legacy HTTP+SSE transport (MCP 2024-11-05), which SDK v2 does not ship.
 * `stream` is the body of the `GET /sse` response: it announces the endpoint the client POSTs to
 * (`event: endpoint`), then carries each server message (`event: message`), with a keep-alive
 * comment every `keepAliveMs`. Client messages arrive through `receive` (the POST handler).
 * Free of HTTP frameworks: the route pipes `stream` and calls `close` when the client goes away.
 */
export class LegacySseTransport implements Transport {
  readonly sessionId: string;
  /** The response body to send to the client. */
  readonly stream: Readable;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  #body = new PassThrough();
  #endpoint: string;
  #keepAliveMs: number;
  #keepAlive: NodeJS.Timeout | undefined;
  #closed = false;
  #waiting = new Set<() => void>();

  /** `endpoint` is the POST path without the query, e.g. `/message`. */
  constructor(sessionId: string, endpoint: string, options: { keepAliveMs?: number } = {}) {
    this.sessionId = sessionId;
    this.stream = this.#body;
    this.#endpoint = `${endpoint}?sessionId=${encodeURIComponent(sessionId)}`;
    this.#keepAliveMs = options.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
    this.#body.once('close', () => this.#finish());
    this.#body.on('drain', () => this.#wake());
  }

  /** True once closed by either side. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Announces the POST endpoint and starts the keep-alive comments. */
  async start(): Promise<void> {
    if (this.#keepAlive !== undefined) throw new TypeError('LegacySseTransport already started');
    this.#write(`event: endpoint\ndata: ${this.#endpoint}\n\n`);
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), this.#keepAliveMs);
    this.#keepAlive.unref();
  }

  /**
   * Sends one message down the stream, resolving once the stream can take more (a slow reader
   * holds the sender back rather than growing a buffer); a message for a closed stream is dropped.
   */
  async send(message: JSONRPCMessage): Promise<void> {
    // JSON.stringify never emits a raw newline, so one `data:` line carries the whole message.
    if (this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)) return;
    await new Promise<void>((resolve) => this.#waiting.add(resolve));
  }

  /** Hands a message the client POSTed to the server; false once the stream has closed. */
  receive(message: JSONRPCMessage): boolean {
    if (this.#closed) return false;
    this.onmessage?.(message);
    return true;
  }

  /** Ends the stream (the client sees the response end) and fires `onclose` once. */
  async close(): Promise<void> {
    this.#body.end();
    this.#finish();
  }

  /** False when the stream's buffer is full (wait for 'drain'). */
  #write(chunk: string): boolean {
    if (this.#closed || !this.#body.writable) return true;
    return this.#body.write(chunk);
  }

  #wake(): void {
    for (const resolve of this.#waiting) resolve();
    this.#waiting.clear();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.#wake();
    this.onclose?.();
  }
}
