import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Http1Client,
  Http1Error,
  REQUEST_CREATED_CHANNEL,
  type RequestCreated,
  type ResponseHead,
} from '../../../src/gateway/upstream/http1-client.ts';
import { freePort } from '../../helpers/ports.ts';

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newClient(url: URL, options?: ConstructorParameters<typeof Http1Client>[1]): Http1Client {
  const client = new Http1Client(url, options);
  cleanups.push(() => client.close());
  return client;
}

/** One connection a raw server accepted. */
interface Peer {
  socket: Socket;
  closed: Promise<void>;
}

interface RawServer {
  url: URL;
  peers: Peer[];
  /** Complete requests read, across connections. */
  requests: number;
  /** Every byte received, across connections, as latin1 text. */
  received: string;
}

/** Called once per complete request read on a connection; `index` counts requests on that connection. */
type Reply = (socket: Socket, index: number) => void;

/** A TCP server on 127.0.0.1 that answers each request with whatever bytes `reply` writes. */
async function rawServer(reply: Reply): Promise<RawServer> {
  const server = createServer();
  const state: RawServer = { url: new URL('http://127.0.0.1/'), peers: [], requests: 0, received: '' };
  server.on('connection', (socket) => {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    state.peers.push({ socket, closed });
    socket.setNoDelay(true);
    // A client that destroys its socket may reset the connection; that is what several tests do.
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let index = 0;
    socket.on('data', (chunk: Buffer) => {
      state.received += chunk.toString('latin1');
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        state.requests += 1;
        reply(socket, index++);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(() => {
    for (const peer of state.peers) peer.socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  state.url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  return state;
}

/** A response head from its status line and header lines. */
function head(statusLine: string, fields: string[] = []): string {
  return [statusLine, ...fields, '', ''].join('\r\n');
}

/** A complete response whose body is framed by Content-Length. */
function fixed(body: string, fields: string[] = [], statusLine = 'HTTP/1.1 200 OK'): string {
  return head(statusLine, [...fields, `content-length: ${Buffer.byteLength(body)}`]) + body;
}

/** A chunked body cut at the given byte offsets, which may fall inside a UTF-8 character. */
function chunked(body: string, cuts: number[]): Buffer {
  const bytes = Buffer.from(body);
  const bounds = [0, ...cuts, bytes.length];
  const parts = bounds.slice(1).map((end, i) => {
    const piece = bytes.subarray(bounds[i], end);
    return Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
  });
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

const OK = fixed('ok');
const answer =
  (bytes: string | Buffer): Reply =>
  (socket) =>
    socket.write(bytes);

/** Writes one byte per packet, so that every boundary inside the response is exercised. */
async function dribble(socket: Socket, bytes: Buffer): Promise<void> {
  for (const byte of bytes) {
    if (socket.destroyed) return;
    socket.write(Buffer.of(byte));
    await sleep(1);
  }
}

interface Exchange {
  /** Handlers that ran, in order: 'response', 'end', 'error' (handlers.error), 'body-error' (reader.error). */
  calls: string[];
  /** The text of each data() call. */
  pieces: string[];
  /** Resolves when the body ends; rejects with the error handlers.error or reader.error received. */
  done: Promise<{ head: ResponseHead; text: string }>;
  abort: () => void;
}

function start(client: Http1Client, headers: Record<string, string> = {}, body = '{}'): Exchange {
  const calls: string[] = [];
  const pieces: string[] = [];
  let abort: () => void = () => undefined;
  const done = new Promise<{ head: ResponseHead; text: string }>((resolve, reject) => {
    abort = client.post(headers, body, {
      response(head) {
        calls.push('response');
        return {
          data: (text) => void pieces.push(text),
          end() {
            calls.push('end');
            resolve({ head, text: pieces.join('') });
          },
          error(error) {
            calls.push('body-error');
            reject(error);
          },
        };
      },
      error(error) {
        calls.push('error');
        reject(error);
      },
    });
  });
  // Tests that abort never settle `done`; those that fail it await it.
  done.catch(() => undefined);
  return { calls, pieces, done, abort };
}

const exchange = (client: Http1Client, headers?: Record<string, string>, body?: string) =>
  start(client, headers, body).done;

/** Long enough for a stray late callback to show up. */
const settle = () => sleep(20);

describe('Http1Client requests', () => {
  interface Seen {
    method: string | undefined;
    url: string | undefined;
    httpVersion: string;
    headers: IncomingHttpHeaders;
    rawHeaders: string[];
    body: string;
  }

  /** Posts through a real node:http server and returns what it saw. */
  async function seenByNodeHttp(
    headers: Record<string, string>,
    body: string,
    options: { credentials?: string; client?: ConstructorParameters<typeof Http1Client>[1] } = {},
  ) {
    const seen: Seen[] = [];
    const server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const { method, url, httpVersion, headers, rawHeaders } = request;
        seen.push({ method, url, httpVersion, headers, rawHeaders, body: Buffer.concat(chunks).toString() });
        response.end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
    const port = (server.address() as AddressInfo).port;
    const url = new URL(`http://${options.credentials ?? ''}127.0.0.1:${port}/mcp/x?cursor=a%20b&n=1`);
    const { text } = await exchange(newClient(url, options.client), headers, body);
    expect(text).toBe('ok');
    expect(seen).toHaveLength(1);
    return { url, seen: seen[0] as Seen };
  }

  it("sends POST to the URL's path and query over HTTP/1.1", async () => {
    const { seen } = await seenByNodeHttp({}, '{}');
    expect(seen).toMatchObject({ method: 'POST', url: '/mcp/x?cursor=a%20b&n=1', httpVersion: '1.1' });
  });

  it('sends a Host header equal to url.host, first', async () => {
    const { url, seen } = await seenByNodeHttp({ 'x-first': 'no' }, '{}');
    expect(seen.headers.host).toBe(url.host);
    expect(seen.rawHeaders[0]?.toLowerCase()).toBe('host');
  });

  it('sends the given headers', async () => {
    const headers = {
      'content-type': 'application/json',
      'mcp-session-id': 's-1',
      authorization: 'Bearer t',
    };
    const { seen } = await seenByNodeHttp(headers, '{}');
    expect(seen.headers).toMatchObject(headers);
  });

  it("sends the constructor's headers with every request, before the request's own", async () => {
    const fixedHeaders = { 'content-type': 'application/json', 'x-backend-key': 'k1' };
    const { seen } = await seenByNodeHttp({ 'mcp-method': 'tools/call' }, '{}', {
      client: { headers: fixedHeaders },
    });
    expect(seen.headers).toMatchObject({ ...fixedHeaders, 'mcp-method': 'tools/call' });
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names.indexOf('x-backend-key')).toBeLessThan(names.indexOf('mcp-method'));
  });

  it('refuses an invalid constructor header at once, as node:http would', () => {
    const url = new URL('http://127.0.0.1:1/mcp');
    expect(() => new Http1Client(url, { headers: { 'x-key': 'a\r\nx-injected: 1' } })).toThrow(TypeError);
  });

  it('sends Basic credentials given in the URL, decoded as node:http does', async () => {
    const { seen } = await seenByNodeHttp({}, '{}', { credentials: 'gate%20keeper:p%40ss@' });
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('gate keeper:p@ss').toString('base64')}`);
  });

  it('sends no URL credentials when the request or the constructor names its own Authorization', async () => {
    const own = await seenByNodeHttp({ authorization: 'Bearer mine' }, '{}', { credentials: 'u:p@' });
    expect(own.seen.headers.authorization).toBe('Bearer mine');
    const fixedOne = await seenByNodeHttp({}, '{}', {
      credentials: 'u:p@',
      client: { headers: { authorization: 'Bearer fixed' } },
    });
    expect(fixedOne.seen.headers.authorization).toBe('Bearer fixed');
  });

  it('sends the headers a subscriber of the request-created channel adds (how tracing adds traceparent)', async () => {
    const add = (message: unknown) => (message as RequestCreated).addHeader('traceparent', '00-abc-def-01');
    subscribe(REQUEST_CREATED_CHANNEL, add);
    try {
      const { seen } = await seenByNodeHttp({ 'mcp-method': 'tools/call' }, '{}');
      expect(seen.headers.traceparent).toBe('00-abc-def-01');
    } finally {
      unsubscribe(REQUEST_CREATED_CHANNEL, add);
    }
  });

  it("sets content-length to the body's UTF-8 byte length", async () => {
    const { seen } = await seenByNodeHttp({}, 'héllo ✓');
    expect(seen.headers['content-length']).toBe('10');
  });

  it('asks for a kept-alive connection', async () => {
    const { seen } = await seenByNodeHttp({}, '{}');
    expect(seen.headers.connection).toBe('keep-alive');
  });

  it('sends the body exactly, non-ASCII text included', async () => {
    const { seen } = await seenByNodeHttp({}, 'héllo ✓ 𝄞');
    expect(seen.body).toBe('héllo ✓ 𝄞');
  });
});

describe('Http1Client response framing', () => {
  it('reads a body framed by Content-Length', async () => {
    const body = '{"text":"héllo ✓"}';
    const server = await rawServer(answer(fixed(body, ['content-type: application/json'])));
    const ex = start(newClient(server.url));
    const { head, text } = await ex.done;
    expect(head).toEqual({
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    expect(text).toBe(body);
    expect(ex.calls).toEqual(['response', 'end']);
  });

  it('reads a chunked body, ignoring chunk extensions and trailers', async () => {
    const body = '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n';
    const server = await rawServer(answer(head('HTTP/1.1 200 OK', ['transfer-encoding: chunked']) + body));
    const ex = start(newClient(server.url));
    expect((await ex.done).text).toBe('hello, world');
    expect(ex.calls).toEqual(['response', 'end']);
  });

  it('consumes the trailers of a chunked body so that the connection is reused', async () => {
    const response =
      head('HTTP/1.1 200 OK', ['transfer-encoding: chunked']) + '2\r\nok\r\n0\r\nx-t: 1\r\n\r\n';
    const server = await rawServer(answer(response));
    const client = newClient(server.url);
    expect((await exchange(client)).text).toBe('ok');
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(1);
  });

  it('reads a body delimited by the server closing the connection', async () => {
    const server = await rawServer((socket) => socket.end(head('HTTP/1.1 200 OK') + 'until the end ✓'));
    const ex = start(newClient(server.url));
    expect((await ex.done).text).toBe('until the end ✓');
    expect(ex.calls).toEqual(['response', 'end']);
  });

  it.each(['204 No Content', '304 Not Modified'])(
    'ends a %s response right after its head, with no body',
    async (status) => {
      // The server keeps the connection open, so a client waiting for a body would never end.
      const server = await rawServer(answer(head(`HTTP/1.1 ${status}`, ['etag: "1"'])));
      const ex = start(newClient(server.url));
      const { head: got, text } = await ex.done;
      expect(got.status).toBe(Number(status.slice(0, 3)));
      expect(text).toBe('');
      expect(ex.calls).toEqual(['response', 'end']);
    },
  );

  it('skips 100 Continue and 103 Early Hints before the final response', async () => {
    const interim =
      head('HTTP/1.1 100 Continue') + head('HTTP/1.1 103 Early Hints', ['link: </a.css>; rel=preload']);
    const server = await rawServer(answer(interim + OK));
    const ex = start(newClient(server.url));
    const { head: got, text } = await ex.done;
    expect(ex.calls).toEqual(['response', 'end']);
    expect(got).toEqual({ status: 200, statusText: 'OK', headers: { 'content-length': '2' } });
    expect(text).toBe('ok');
  });

  it("lower-cases header names and joins a repeated header's values with ', '", async () => {
    const fields = ['X-Multi: a', 'Content-Type: text/plain', 'x-multi: b', 'X-MULTI: c'];
    const server = await rawServer(answer(fixed('ok', fields)));
    const { head: got } = await exchange(newClient(server.url));
    expect(got.headers).toEqual({
      'x-multi': 'a, b, c',
      'content-type': 'text/plain',
      'content-length': '2',
    });
  });

  it('gives the reason phrase as statusText', async () => {
    const server = await rawServer(answer(fixed('ok', [], 'HTTP/1.1 202 Accepted For Later')));
    const { head: got } = await exchange(newClient(server.url));
    expect(got).toMatchObject({ status: 202, statusText: 'Accepted For Later' });
  });
});

describe('Http1Client on responses split into 1-byte packets', () => {
  const body = 'héllo ✓ 𝄞 done';

  async function dribbled(response: Buffer) {
    const server = await rawServer((socket) => void dribble(socket, response));
    const ex = start(newClient(server.url));
    const result = await ex.done;
    // No piece may carry half a character: neither a replacement character nor a lone surrogate.
    for (const piece of ex.pieces) {
      expect(piece.isWellFormed()).toBe(true);
      expect(piece).not.toContain('\uFFFD');
    }
    return result;
  }

  it('parses a Content-Length response to the same head and body', async () => {
    const response = fixed(body, ['content-type: text/plain; charset=utf-8']);
    const result = await dribbled(Buffer.from(response));
    expect(result).toEqual({
      head: {
        status: 200,
        statusText: 'OK',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      text: body,
    });
  });

  it('parses a chunked response whose chunks cut characters to the same head and body', async () => {
    // Cuts at 2, 8 and 13 fall inside 'é', '✓' and '𝄞'.
    const response = Buffer.concat([
      Buffer.from(head('HTTP/1.1 200 OK', ['transfer-encoding: chunked'])),
      chunked(body, [2, 8, 13]),
    ]);
    const result = await dribbled(response);
    expect(result).toEqual({
      head: { status: 200, statusText: 'OK', headers: { 'transfer-encoding': 'chunked' } },
      text: body,
    });
  });
});

describe('Http1Client keep-alive', () => {
  it('reuses one connection for two sequential posts', async () => {
    const server = await rawServer(answer(OK));
    const client = newClient(server.url);
    await exchange(client);
    expect(client.connections).toEqual({ idle: 1, busy: 0 });
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(1);
    expect(server.requests).toBe(2);
  });

  it('does not reuse a connection whose response says connection: close', async () => {
    // The server leaves the socket open: only the header tells the client not to reuse it.
    const server = await rawServer(answer(fixed('ok', ['connection: close'])));
    const client = newClient(server.url);
    await exchange(client);
    expect(client.connections.idle).toBe(0);
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });

  it('does not reuse a connection after an HTTP/1.0 response without keep-alive', async () => {
    const server = await rawServer(answer(fixed('ok', [], 'HTTP/1.0 200 OK')));
    const client = newClient(server.url);
    await exchange(client);
    expect(client.connections.idle).toBe(0);
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });

  it('posts on a new connection, without error, after the server closed the idle one', async () => {
    const server = await rawServer(answer(OK));
    const client = newClient(server.url);
    await exchange(client);
    server.peers[0]?.socket.end();
    await server.peers[0]?.closed;
    await vi.waitFor(() => expect(client.connections.idle).toBe(0), { timeout: 5_000 });
    const ex = start(client);
    expect((await ex.done).text).toBe('ok');
    expect(ex.calls).toEqual(['response', 'end']);
    expect(server.peers).toHaveLength(2);
  });

  it("does not reuse a connection past the server's Keep-Alive timeout less a second", async () => {
    // timeout=1 leaves no time at all (node:http's agent keeps the same second's margin).
    const server = await rawServer(answer(fixed('ok', ['keep-alive: timeout=1'])));
    const client = newClient(server.url);
    await exchange(client);
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });

  it("reuses a connection within the server's Keep-Alive timeout", async () => {
    const server = await rawServer(answer(fixed('ok', ['keep-alive: timeout=60'])));
    const client = newClient(server.url);
    await exchange(client);
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(1);
  });

  it('uses two connections for two concurrent posts', async () => {
    const held: Socket[] = [];
    const server = await rawServer((socket) => held.push(socket));
    const client = newClient(server.url);
    const both = [start(client), start(client)];
    await vi.waitFor(() => expect(held).toHaveLength(2), { timeout: 5_000 });
    expect(client.connections).toEqual({ idle: 0, busy: 2 });
    for (const socket of held) socket.write(OK);
    await Promise.all(both.map((ex) => ex.done));
    expect(server.peers).toHaveLength(2);
    expect(client.connections).toEqual({ idle: 2, busy: 0 });
  });
});

describe('Http1Client when no response comes', () => {
  async function expectNoResponse(ex: Exchange, code: string) {
    const error = await ex.done.then(
      () => expect.fail('the exchange succeeded'),
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code });
    if (code === 'EPROTO') expect(error).toBeInstanceOf(Http1Error);
    await settle();
    expect(ex.calls).toEqual(['error']);
  }

  it('reports a refused connection as ECONNREFUSED', async () => {
    const client = newClient(new URL(`http://127.0.0.1:${await freePort()}/mcp`));
    await expectNoResponse(start(client), 'ECONNREFUSED');
    expect(client.connections).toEqual({ idle: 0, busy: 0 });
  });

  const big = `x-big: ${'a'.repeat(2_000)}`;
  it.each<[string, Reply, string]>([
    ['the server closes before any byte', (socket) => socket.end(), 'ECONNRESET'],
    ['the server resets the connection', (socket) => socket.resetAndDestroy(), 'ECONNRESET'],
    ['the server closes mid-head', (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-le'), 'ECONNRESET'],
    ['the status line says HTTP/2', answer(fixed('ok', [], 'HTTP/2 200 OK')), 'EPROTO'],
    ['the status line is FOO', answer('FOO\r\n\r\n'), 'EPROTO'],
    ['the status code is not three digits', answer(fixed('ok', [], 'HTTP/1.1 2x0 OK')), 'EPROTO'],
    ['the head is larger than maxHeaderBytes', answer(fixed('ok', [big])), 'EPROTO'],
    ['an unfinished head passes maxHeaderBytes', answer(`HTTP/1.1 200 OK\r\n${big}`), 'EPROTO'],
    [
      'both Content-Length and Transfer-Encoding are set',
      answer(
        head('HTTP/1.1 200 OK', ['content-length: 7', 'transfer-encoding: chunked']) + '2\r\nok\r\n0\r\n\r\n',
      ),
      'EPROTO',
    ],
    [
      'two Content-Length values differ',
      answer(head('HTTP/1.1 200 OK', ['content-length: 2', 'content-length: 3']) + 'ok'),
      'EPROTO',
    ],
    [
      'Content-Length is not a number',
      answer(head('HTTP/1.1 200 OK', ['content-length: two']) + 'ok'),
      'EPROTO',
    ],
    [
      'Content-Length has trailing junk',
      answer(head('HTTP/1.1 200 OK', ['content-length: 2x']) + 'ok'),
      'EPROTO',
    ],
    [
      'Transfer-Encoding is not chunked',
      answer(head('HTTP/1.1 200 OK', ['transfer-encoding: gzip']) + 'ok'),
      'EPROTO',
    ],
    ['a header line has no colon', answer(fixed('ok', ['no colon here'])), 'EPROTO'],
  ])('calls handlers.error when %s, and drops the connection', async (_what, reply, code) => {
    const server = await rawServer(reply);
    const client = newClient(server.url, { maxHeaderBytes: 1_024 });
    await expectNoResponse(start(client), code);
    expect(client.connections.idle).toBe(0);
    // The malformed cases leave the socket open on the server's side: only the client can close it.
    await server.peers[0]?.closed;
  });

  it('limits the head to 16384 bytes by default', async () => {
    const server = await rawServer((socket, index) => {
      socket.write(fixed('ok', [`x-big: ${'a'.repeat(index === 0 ? 15_000 : 17_000)}`]));
    });
    const client = newClient(server.url);
    expect((await exchange(client)).text).toBe('ok');
    await expectNoResponse(start(client), 'EPROTO');
  });
});

describe('Http1Client body errors', () => {
  async function expectBodyError(reply: Reply, code: string) {
    const server = await rawServer(reply);
    const ex = start(newClient(server.url));
    await expect(ex.done).rejects.toMatchObject({ code });
    await settle();
    expect(ex.calls).toEqual(['response', 'body-error']);
  }

  it('fails the body with ECONNRESET when the server closes mid Content-Length body', async () => {
    await expectBodyError(
      (socket) => socket.end(head('HTTP/1.1 200 OK', ['content-length: 10']) + 'abc'),
      'ECONNRESET',
    );
  });

  it('fails the body with EPROTO on an invalid chunk-size line', async () => {
    await expectBodyError(
      answer(head('HTTP/1.1 200 OK', ['transfer-encoding: chunked']) + 'zz\r\nok\r\n'),
      'EPROTO',
    );
  });

  it('fails the body with ECONNRESET when the server closes mid chunked body', async () => {
    const cut = head('HTTP/1.1 200 OK', ['transfer-encoding: chunked']) + '5\r\nhel';
    await expectBodyError((socket) => socket.end(cut), 'ECONNRESET');
  });
});

describe('Http1Client on bytes after a complete response', () => {
  it('destroys a connection whose response is followed by unsolicited bytes in the same packet', async () => {
    const server = await rawServer((socket, index) => socket.write(index === 0 ? OK + OK : OK));
    const client = newClient(server.url);
    expect((await exchange(client)).text).toBe('ok');
    await server.peers[0]?.closed;
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });

  it('destroys an idle connection on which unsolicited bytes arrive', async () => {
    const server = await rawServer(answer(OK));
    const client = newClient(server.url);
    expect((await exchange(client)).text).toBe('ok');
    expect(client.connections.idle).toBe(1);
    server.peers[0]?.socket.write(OK);
    await server.peers[0]?.closed;
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });
});

describe('Http1Client abort()', () => {
  it('destroys the connection of an exchange awaiting its response and calls no handler', async () => {
    const server = await rawServer(() => undefined);
    const client = newClient(server.url);
    const ex = start(client);
    await vi.waitFor(() => expect(server.requests).toBe(1), { timeout: 5_000 });
    ex.abort();
    await server.peers[0]?.closed;
    await settle();
    expect(ex.calls).toEqual([]);
    expect(client.connections).toEqual({ idle: 0, busy: 0 });
  });

  it('destroys the connection mid-body and calls no reader method afterwards', async () => {
    const server = await rawServer(answer(head('HTTP/1.1 200 OK', ['content-length: 10']) + 'abc'));
    const ex = start(newClient(server.url));
    await vi.waitFor(() => expect(ex.pieces.join('')).toBe('abc'), { timeout: 5_000 });
    ex.abort();
    await server.peers[0]?.closed;
    await settle();
    expect(ex.calls).toEqual(['response']);
    expect(ex.pieces.join('')).toBe('abc');
  });

  it('leaves the client able to post again', async () => {
    // Only the first connection, the one aborted, is left unanswered.
    const server = await rawServer((socket) => {
      if (socket !== server.peers[0]?.socket) socket.write(OK);
    });
    const client = newClient(server.url);
    const ex = start(client);
    await vi.waitFor(() => expect(server.requests).toBe(1), { timeout: 5_000 });
    ex.abort();
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(2);
  });
});

describe('Http1Client close()', () => {
  it('destroys idle connections', async () => {
    const server = await rawServer(answer(OK));
    const client = newClient(server.url);
    await Promise.all([exchange(client), exchange(client)]);
    expect(client.connections).toEqual({ idle: 2, busy: 0 });
    client.close();
    await Promise.all(server.peers.map((peer) => peer.closed));
    expect(client.connections).toEqual({ idle: 0, busy: 0 });
  });

  it('fails an exchange awaiting its response through handlers.error', async () => {
    const server = await rawServer(() => undefined);
    const client = newClient(server.url);
    const ex = start(client);
    await vi.waitFor(() => expect(server.requests).toBe(1), { timeout: 5_000 });
    client.close();
    await expect(ex.done).rejects.toBeInstanceOf(Error);
    await server.peers[0]?.closed;
    expect(ex.calls).toEqual(['error']);
  });

  it('fails an exchange mid-body through reader.error', async () => {
    const server = await rawServer(answer(head('HTTP/1.1 200 OK', ['content-length: 10']) + 'abc'));
    const client = newClient(server.url);
    const ex = start(client);
    await vi.waitFor(() => expect(ex.pieces.join('')).toBe('abc'), { timeout: 5_000 });
    client.close();
    await expect(ex.done).rejects.toBeInstanceOf(Error);
    expect(ex.calls).toEqual(['response', 'body-error']);
  });
});

describe('Http1Client header validation', () => {
  it.each([
    ['a value containing CR LF', { 'x-value': 'a\r\nx-injected: 1' }],
    ['a value containing NUL', { 'x-value': 'a\0b' }],
    ['a name containing a space', { 'x name': 'v' }],
  ])('throws a TypeError for %s and sends nothing', async (_what, headers) => {
    const server = await rawServer(answer(OK));
    const client = newClient(server.url);
    const handlers = { response: vi.fn(), error: vi.fn() };
    expect(() => client.post(headers, '{}', handlers)).toThrow(TypeError);
    // A good post afterwards shows what reached the server: its request alone.
    expect((await exchange(client)).text).toBe('ok');
    expect(server.peers).toHaveLength(1);
    expect(server.received.match(/POST /g)).toHaveLength(1);
    expect(server.received).not.toContain('x-injected');
    expect(handlers.response).not.toHaveBeenCalled();
    expect(handlers.error).not.toHaveBeenCalled();
  });
});
