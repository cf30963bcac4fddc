import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionDirectory } from '../../shared-state/index.ts';

/**
 * Marks a request one replica forwarded to another: the receiver serves it itself, never forwards
 * it again (so a stale record cannot make two replicas bounce a request between them). A client
 * that sets it only keeps its own requests from being forwarded.
 */
export const FORWARDED_HEADER = 'x-gatehouse-forwarded';

const CONNECT_TIMEOUT_MS = 2000;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** MCP sessions held by other replicas, and the way to them. */
export interface SessionForwarding {
  /** The replica that holds session `id`, when that is another one and the request may be forwarded. */
  ownerOf(request: FastifyRequest, id: string): Promise<string | undefined>;
  /**
   * Sends `request` (its raw body included) to `owner` and the answer back to the client, streams
   * too. An owner that cannot be reached is forgotten and the client gets `gone()` (the MCP
   * answer for an unknown session, so it opens a new one).
   */
  forward(
    request: FastifyRequest,
    reply: FastifyReply,
    target: { owner: string; id: string; gone: () => FastifyReply },
  ): Promise<FastifyReply>;
}

/**
 * The headers a forwarded request carries: the client's, minus hop-by-hop ones, with the
 * forwarding marker, this replica's peer appended to X-Forwarded-For, and the body's length.
 */
export function forwardedHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
  peer: string | undefined,
  body: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers[FORWARDED_HEADER] = '1';
  // As any proxy does: the holder, trusting the replicas (TRUSTED_PROXIES), finds the client's address.
  if (peer !== undefined)
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return headers;
}

/**
 * Forwarding over `directory`; undefined without one (one replica, or no REDIS_URL). The original
 * Host, Origin and credentials go along: the owner authenticates the request again and serves the
 * session only to the identity that opened it.
 */
export function sessionForwarding(directory: SessionDirectory | undefined): SessionForwarding | undefined {
  if (directory === undefined) return undefined;
  // Keep-alive between replicas; no socket limit, since each open event stream holds one.
  const agents = {
    'http:': new HttpAgent({ keepAlive: true }),
    'https:': new HttpsAgent({ keepAlive: true }),
  };

  return {
    ownerOf(request, id) {
      if (request.headers[FORWARDED_HEADER] !== undefined) return Promise.resolve(undefined);
      return directory.ownerOf(id);
    },
    forward(request, reply, { owner, id, gone }) {
      const body = typeof request.body === 'string' ? request.body : undefined;
      const url = new URL(request.url, owner);
      const secure = url.protocol === 'https:';
      return new Promise<FastifyReply>((resolve) => {
        let connected = false;
        const outgoing = (secure ? httpsRequest : httpRequest)(url, {
          method: request.method,
          headers: forwardedHeaders(request.headers, request.socket.remoteAddress, body),
          agent: secure ? agents['https:'] : agents['http:'],
        });
        const connectTimer = setTimeout(() => {
          if (!connected)
            outgoing.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
        }, CONNECT_TIMEOUT_MS);
        outgoing.once('socket', (socket) => {
          if (!socket.connecting) connected = true;
          else socket.once('connect', () => (connected = true));
        });
        outgoing.once('response', (answer: IncomingMessage) => {
          clearTimeout(connectTimer);
          reply.status(answer.statusCode ?? 502);
          for (const [name, value] of Object.entries(answer.headers))
            if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
          resolve(reply.send(answer));
        });
        outgoing.once('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(connectTimer);
          if (reply.sent) return;
          request.log.warn(
            { err: { message: error.message, code: error.code }, replica: owner },
            'replica holding the MCP session did not answer',
          );
          // Not reachable at all: the replica is gone, and the sessions it held with it. (A connection
          // lost mid-request does not prove that; the next request will tell.)
          if (!connected || CONNECT_FAILURES.has(error.code ?? '')) directory.forget(id, owner);
          resolve(gone());
        });
        // The client went away: so does the request it made through us.
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) outgoing.destroy();
        });
        outgoing.end(body);
      });
    },
  };
}
