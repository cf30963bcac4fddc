import { channel } from 'node:diagnostics_channel';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { urlToHttpOptions } from 'node:url';

/** A response's status line and header fields. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header names in lower case; a repeated header's values joined with ', '. */
  headers: Readonly<Record<string, string>>;
}

/** Who reads one response's body. */
export interface BodyReader {
  /** A piece of the body as UTF-8 text (a character split across packets is never split here). */
  data(text: string): void;
  /** The body is complete. */
  end(): void;
  /** The connection failed or the body was malformed, after the head. */
  error(error: Error): void;
}

/** What one exchange tells its sender. */
export interface ExchangeHandlers {
  /** The final response head arrived (1xx interim responses are skipped); returns the reader of its body. */
  response(head: ResponseHead): BodyReader;
  /**
   * No response came: connection refused or reset, closed before a complete head, or not a valid
   * HTTP/1.x head. At most once, never after response() returned.
   */
  error(error: Error): void;
}

/**
 * Published as a request is built, before it is sent, with `{ addHeader(name, value) }`: how
 * tracing adds `traceparent` (node:http's `http.client.request.created` does it for node:http).
 */
export const REQUEST_CREATED_CHANNEL = 'gatehouse:http1-client:request-created';
const requestCreated = channel(REQUEST_CREATED_CHANNEL);

/** What {@link REQUEST_CREATED_CHANNEL} publishes. */
export interface RequestCreated {
  /** Adds a header to the request (validated as node:http validates it). */
  addHeader(name: string, value: string): void;
}

/** An invalid or cut response: `EPROTO` (malformed) or `ECONNRESET` (closed before complete). */
export class Http1Error extends Error {
  readonly code: string;

  constructor(code: 'EPROTO' | 'ECONNRESET', message: string) {
    super(message);
    this.name = 'Http1Error';
    this.code = code;
  }
}

const malformed = (what: string) => new Http1Error('EPROTO', `invalid HTTP response: ${what}`);
const cut = (what: string) => new Http1Error('ECONNRESET', what);

// RFC 9112: the status line, a field name (token), a field value (no CR, LF or NUL).
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;.*)?$/;
const DIGITS = /^\d{1,15}$/;
const ASCII = /^[\t\n\r\x20-\x7e]*$/;
/** The longest chunk-size line (with its extensions) read before the response is refused. */
const MAX_CHUNK_LINE = 4096;
/** Node's http.Agent sends its TCP keep-alive probes after this idle time (keepAliveMsecs). */
const TCP_KEEPALIVE_MS = 1000;

type Framing =
  { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** Where a connection is in reading its current response. */
type ReadState =
  'idle' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close';

interface ParsedHead {
  head: ResponseHead;
  /** 1xx other than 101: another head follows. */
  interim: boolean;
  framing: Framing;
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in milliseconds, or null. */
  idleTimeoutMs: number | null;
}

/** `headers` as header lines, each validated as node:http validates it (a TypeError otherwise). */
function headerLines(headers: Readonly<Record<string, string>>): string {
  let lines = '';
  for (const name in headers) {
    const value = headers[name]!;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

/** Parses a response head (without its final CRLF CRLF), or throws EPROTO. */
function parseHead(text: string): ParsedHead {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]!);
  if (status === null) throw malformed('status line');
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    // No colon, a name with spaces (before the colon too) or a folded line: all refused (RFC 9112 §5).
    if (colon <= 0) throw malformed('header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformed('header name');
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw malformed('header value');
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const code = Number(status[2]);
  const minor = status[1];
  const head = { status: code, statusText: status[3] ?? '', headers };
  if (code === 101) throw malformed('unexpected 101 Switching Protocols');
  if (code < 200)
    return { head, interim: true, framing: { kind: 'none' }, keepAlive: true, idleTimeoutMs: null };
  const framing = framingOf(code, headers);
  const connection = (headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((token) => token.trim());
  const keepAlive =
    framing.kind !== 'close' &&
    !connection.includes('close') &&
    (minor === '1' || connection.includes('keep-alive'));
  const hint = /(?:^|,)\s*timeout=(\d{1,9})\b/i.exec(headers['keep-alive'] ?? '');
  const idleTimeoutMs = hint === null ? null : Number(hint[1]) * 1000;
  return { head, interim: false, framing, keepAlive, idleTimeoutMs };
}

/** How the body of a final response is delimited (RFC 9112 §6.3); ambiguous framing is refused. */
function framingOf(status: number, headers: Record<string, string>): Framing {
  if (status === 204 || status === 304) return { kind: 'none' };
  const encoding = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (encoding !== undefined) {
    // Both at once is how responses are smuggled: refused, as node:http's parser does.
    if (length !== undefined) throw malformed('both Content-Length and Transfer-Encoding');
    const codings = encoding
      .toLowerCase()
      .split(',')
      .map((coding) => coding.trim());
    if (codings.length !== 1 || codings[0] !== 'chunked') throw malformed('unsupported Transfer-Encoding');
    return { kind: 'chunked' };
  }
  if (length !== undefined) {
    const values = length.split(',').map((value) => value.trim());
    if (!values.every((value) => DIGITS.test(value) && value === values[0])) {
      throw malformed('Content-Length');
    }
    return { kind: 'length', length: Number(values[0]) };
  }
  return { kind: 'close' };
}

interface Exchange {
  handlers: ExchangeHandlers;
  reader: BodyReader | null;
  done: boolean;
}

/** One kept-alive connection and the response it is reading. */
class Connection {
  readonly socket: net.Socket;
  #client: Http1Client;
  #maxHeaderBytes: number;
  #exchange: Exchange | null = null;
  #state: ReadState = 'idle';
  /** Bytes of a head or of a chunk line not complete yet. */
  #pending: Buffer | null = null;
  #trailerBytes = 0;
  #remaining = 0;
  #parsed: ParsedHead | null = null;
  #decoder: StringDecoder | null = null;
  #closed = false;
  /** When the connection became idle, and how long the server keeps an idle connection. */
  idleSince = 0;
  idleTimeoutMs: number | null = null;

  constructor(client: Http1Client, socket: net.Socket, maxHeaderBytes: number) {
    this.#client = client;
    this.socket = socket;
    this.#maxHeaderBytes = maxHeaderBytes;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => this.#ended());
    socket.on('error', (error: Error) => this.#fail(error));
    socket.on('close', () => this.#fail(cut('socket hang up')));
  }

  /** False once the server closed it or it failed. */
  get usable(): boolean {
    return !this.#closed && !this.socket.destroyed && this.socket.writable;
  }

  start(exchange: Exchange, head: string, body: string): void {
    this.#exchange = exchange;
    this.#state = 'head';
    this.#pending = null;
    this.#parsed = null;
    const { socket } = this;
    socket.ref();
    // One write as a rule; a head with obs-text (bytes 0x80–0xff) goes as latin1, as node:http sends it.
    if (ASCII.test(head)) {
      socket.write(head + body);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body, 'utf8');
      socket.uncork();
    }
  }

  /** Stops the exchange without telling it anything and closes the connection. */
  abort(): void {
    if (this.#exchange !== null) this.#exchange.done = true;
    this.#exchange = null;
    this.destroy();
  }

  destroy(): void {
    this.#closed = true;
    this.socket.destroy();
    this.#client.forget(this);
  }

  #receive(chunk: Buffer): void {
    try {
      this.#read(chunk);
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #read(input: Buffer): void {
    let chunk = input;
    let at = 0;
    while (at < chunk.length) {
      const exchange = this.#exchange;
      // Bytes nobody asked for (after a complete response, or on an idle connection): the
      // connection no longer says where a response starts, so it is not used again.
      if (exchange === null || this.#state === 'idle') return this.destroy();
      switch (this.#state) {
        case 'head': {
          const buffer =
            this.#pending === null ? chunk.subarray(at) : Buffer.concat([this.#pending, chunk.subarray(at)]);
          const end = buffer.indexOf('\r\n\r\n', Math.max(0, (this.#pending?.length ?? 0) - 3));
          if (end === -1 || end > this.#maxHeaderBytes) {
            if (buffer.length > this.#maxHeaderBytes) throw malformed('head too large');
            this.#pending = buffer;
            return;
          }
          this.#pending = null;
          chunk = buffer;
          at = end + 4;
          const parsed = parseHead(buffer.toString('latin1', 0, end));
          if (parsed.interim) continue;
          this.#begin(exchange, parsed);
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.#remaining, chunk.length - at);
          this.#deliver(exchange, chunk.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#remaining > 0) break;
          if (this.#state === 'length') this.#complete(exchange);
          else this.#state = 'chunk-end';
          break;
        }
        case 'close':
          this.#deliver(exchange, chunk.subarray(at));
          at = chunk.length;
          break;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers': {
          const line = this.#line(chunk, at);
          if (line === null) return;
          at = line.next;
          this.#onLine(exchange, line.text);
          break;
        }
      }
    }
  }

  /** The next CRLF-ended line from `at` (joined to what was pending), or null when it is not complete. */
  #line(chunk: Buffer, at: number): { text: string; next: number } | null {
    const pending = this.#pending;
    const buffer = pending === null ? chunk.subarray(at) : Buffer.concat([pending, chunk.subarray(at)]);
    const end = buffer.indexOf('\r\n', Math.max(0, (pending?.length ?? 0) - 1));
    const limit = this.#state === 'trailers' ? this.#maxHeaderBytes - this.#trailerBytes : MAX_CHUNK_LINE;
    if (end === -1) {
      if (buffer.length > limit) throw malformed('chunk line too long');
      this.#pending = buffer;
      return null;
    }
    if (end > limit) throw malformed('chunk line too long');
    this.#pending = null;
    // Offsets in `chunk`: what was pending came before `at`.
    return { text: buffer.toString('latin1', 0, end), next: at + end + 2 - (pending?.length ?? 0) };
  }

  #onLine(exchange: Exchange, text: string): void {
    if (this.#state === 'chunk-end') {
      if (text !== '') throw malformed('chunk not followed by CRLF');
      this.#state = 'chunk-size';
    } else if (this.#state === 'chunk-size') {
      const size = CHUNK_SIZE.exec(text);
      if (size === null) throw malformed('chunk size');
      this.#remaining = Number.parseInt(size[1]!, 16);
      this.#state = this.#remaining === 0 ? 'trailers' : 'chunk-data';
      this.#trailerBytes = 0;
    } else if (text === '') {
      this.#complete(exchange);
    } else {
      // Trailer fields are read and dropped (nothing here uses them).
      this.#trailerBytes += text.length + 2;
    }
  }

  #begin(exchange: Exchange, parsed: ParsedHead): void {
    this.#parsed = parsed;
    this.#decoder = new StringDecoder('utf8');
    exchange.reader = exchange.handlers.response(parsed.head);
    if (exchange.done) return;
    const { framing } = parsed;
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
      this.#state = 'length';
      this.#remaining = 0;
      return this.#complete(exchange);
    }
    this.#state = framing.kind === 'length' ? 'length' : framing.kind === 'chunked' ? 'chunk-size' : 'close';
    this.#remaining = framing.kind === 'length' ? framing.length : 0;
  }

  #deliver(exchange: Exchange, bytes: Buffer): void {
    const text = this.#decoder!.write(bytes);
    if (text !== '' && !exchange.done) exchange.reader!.data(text);
  }

  /** The response is complete: its reader is told, and the connection goes back or is closed. */
  #complete(exchange: Exchange): void {
    const tail = this.#decoder?.end() ?? '';
    const parsed = this.#parsed!;
    this.#exchange = null;
    this.#state = 'idle';
    this.#decoder = null;
    if (!exchange.done) {
      exchange.done = true;
      if (tail !== '') exchange.reader!.data(tail);
      exchange.reader!.end();
    }
    if (parsed.keepAlive && this.usable) {
      this.idleTimeoutMs = parsed.idleTimeoutMs;
      this.#client.release(this);
    } else {
      this.destroy();
    }
  }

  /** The server closed its side: the end of a close-delimited body, or a cut response. */
  #ended(): void {
    const exchange = this.#exchange;
    if (exchange !== null && this.#state === 'close') return this.#complete(exchange);
    const reading = exchange !== null && this.#state !== 'head';
    this.#fail(
      cut(reading ? 'the backend closed the connection before the response was complete' : 'socket hang up'),
    );
  }

  #fail(error: Error): void {
    const exchange = this.#exchange;
    this.#exchange = null;
    this.#state = 'idle';
    if (!this.#closed) this.destroy();
    if (exchange === null || exchange.done) return;
    exchange.done = true;
    if (exchange.reader === null) exchange.handlers.error(error);
    else exchange.reader.error(error);
  }
}

/**
 * A lean HTTP/1.1 client for one origin (`http:` only): POST requests with a string body over
 * kept-alive connections, each response read by a small parser that hands its body on as UTF-8
 * text. It does what node:http's client does for these requests (Host, Content-Length, keep-alive,
 * Basic credentials from the URL, header validation; Content-Length, chunked and close-delimited
 * bodies, 1xx interim responses skipped, the server's Keep-Alive timeout honoured) at about half its
 * CPU per request, and refuses what node:http's parser refuses: ambiguous framing (Content-Length
 * with Transfer-Encoding, differing lengths), codings other than chunked, malformed status and
 * header lines, heads over the size limit.
 */
export class Http1Client {
  #host: string;
  #port: number;
  /** The request line, Host and the fixed headers, validated once. */
  #prefix: string;
  /** Basic credentials from the URL, sent unless a request names its own Authorization. */
  #authorization: string | null;
  #maxHeaderBytes: number;
  #maxIdle: number;
  #idle: Connection[] = [];
  #busy = new Set<Connection>();

  /**
   * `headers` go with every request (lower-case names; validated here, so an invalid one throws a
   * TypeError now).
   */
  constructor(
    url: URL,
    options: {
      headers?: Readonly<Record<string, string>>;
      maxHeaderBytes?: number;
      maxIdleSockets?: number;
    } = {},
  ) {
    if (url.protocol !== 'http:') throw new TypeError('Http1Client speaks plain http: only');
    const target = urlToHttpOptions(url);
    this.#host = target.hostname ?? 'localhost';
    this.#port = Number(target.port || 80);
    const fixed = options.headers ?? {};
    this.#prefix = `POST ${target.path ?? '/'} HTTP/1.1\r\nhost: ${url.host}\r\n${headerLines(fixed)}`;
    const credentials = target.auth && !('authorization' in fixed) ? target.auth : null;
    this.#authorization =
      credentials === null ? null : `Basic ${Buffer.from(credentials).toString('base64')}`;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 16_384;
    this.#maxIdle = options.maxIdleSockets ?? 256;
  }

  get connections(): { idle: number; busy: number } {
    return { idle: this.#idle.length, busy: this.#busy.size };
  }

  /**
   * POSTs `body` (sent as UTF-8 with its Content-Length) with the fixed headers and this request's
   * `headers` (lower-case names) on a kept-alive connection when one is idle. Throws a TypeError for
   * an invalid header name or value, as node:http does, before anything is sent. Returns the
   * function that aborts the exchange: its connection is closed and no handler is called after.
   */
  post(headers: Readonly<Record<string, string>>, body: string, handlers: ExchangeHandlers): () => void {
    let head = this.#prefix + headerLines(headers);
    if (requestCreated.hasSubscribers) {
      const created: RequestCreated = {
        addHeader: (name, value) => {
          head += headerLines({ [name]: value });
        },
      };
      requestCreated.publish(created);
    }
    if (this.#authorization !== null && !('authorization' in headers))
      head += `authorization: ${this.#authorization}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`;
    const connection = this.#acquire();
    const exchange: Exchange = { handlers, reader: null, done: false };
    this.#busy.add(connection);
    connection.start(exchange, head, body);
    return () => connection.abort();
  }

  /** Closes every connection; an exchange in flight is told its connection closed. */
  close(): void {
    for (const connection of [...this.#idle, ...this.#busy]) connection.destroy();
  }

  /** A connection back from a complete response: kept idle, or closed when too many are. */
  release(connection: Connection): void {
    this.#busy.delete(connection);
    if (this.#idle.length >= this.#maxIdle) return connection.destroy();
    connection.idleSince = performance.now();
    // Idle connections do not keep the process alive (as node:http's agent).
    connection.socket.unref();
    this.#idle.push(connection);
  }

  /** A connection that closed: no longer offered. */
  forget(connection: Connection): void {
    this.#busy.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
  }

  /**
   * The most recently used idle connection still open and within the server's Keep-Alive timeout
   * (less a second, as node:http's agent, so a request does not race the server closing it), or a
   * new one.
   */
  #acquire(): Connection {
    const now = performance.now();
    for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
      const timeout = connection.idleTimeoutMs;
      const expired = timeout !== null && now - connection.idleSince >= timeout - 1000;
      if (connection.usable && !expired) return connection;
      connection.destroy();
    }
    const socket = net.connect({ host: this.#host, port: this.#port });
    return new Connection(this, socket, this.#maxHeaderBytes);
  }
}
