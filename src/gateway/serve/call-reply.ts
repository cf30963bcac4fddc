/** An HTTP answer built outside the SDK, for the route to send as it is. */
export interface PlainReply {
  status: number;
  headers: Record<string, string>;
  /** A whole body, an event stream, or nothing. */
  body: string | ReadableStream<Uint8Array> | null;
}

const encoder = new TextEncoder();

function frame(message: object): Uint8Array {
  return encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/**
 * The HTTP answer to one JSON-RPC request answered outside the SDK: one JSON body when the answer is
 * all there is, or, as soon as a notification must go before it, an event stream of the
 * notifications and then the answer (as the SDK's transports do).
 */
export class CallReply {
  /** Resolves with the JSON answer at `finish()`, or with the stream at the first `notify()`. */
  readonly response: Promise<PlainReply>;
  #resolve: (reply: PlainReply) => void = () => undefined;
  #headers: Record<string, string>;
  #stream: ReadableStreamDefaultController<Uint8Array> | null = null;
  #done = false;

  constructor(headers: Record<string, string>) {
    this.#headers = headers;
    this.response = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Sends a notification ahead of the answer; ignored once the answer went or the client left. */
  notify(message: object): void {
    if (this.#done) return;
    if (this.#stream === null) {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          this.#stream = controller;
        },
        cancel: () => {
          this.#done = true;
        },
      });
      const headers = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...this.#headers };
      this.#resolve({ status: 200, headers, body });
    }
    this.#stream?.enqueue(frame(message));
  }

  /** Sends the answer and ends the response. */
  finish(message: object): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#stream === null) {
      const headers = { 'content-type': 'application/json', ...this.#headers };
      this.#resolve({ status: 200, headers, body: JSON.stringify(message) });
      return;
    }
    this.#stream.enqueue(frame(message));
    this.#stream.close();
  }
}
