import { type JSONRPCMessage, parseJSONRPCMessage } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../../config/index.ts';
import { AppError } from '../../errors/index.ts';
import { type Gateway, type GatewayCaller, LegacySseSessions } from '../../gateway/index.ts';
import type { IdentityContext } from '../../identity/index.ts';
import { authenticate } from '../plugins/authenticate.ts';
import { acceptRawJson, mcpCaller } from '../plugins/mcp-endpoint.ts';
import { checkOrigin } from '../plugins/origin.ts';
import type { SessionForwarding } from '../plugins/session-forwarding.ts';
import type { SessionDirectory } from '../../shared-state/index.ts';

/** Open SSE streams one user may hold; the next `GET /sse` answers 429. */
export const MAX_SSE_SESSIONS_PER_USER = 20;

type Params = { backend?: string };

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** The client's message, or the JSON-RPC code of why it is not one. */
function parseMessage(body: unknown): JSONRPCMessage | -32700 | -32600 {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : '');
  } catch {
    return -32700;
  }
  try {
    return parseJSONRPCMessage(value);
  } catch {
    return -32600;
  }
}

/**
 * The legacy HTTP+SSE transport (MCP 2024-11-05) for old clients: `GET /sse` opens a stream that
 * serves the aggregate, `POST /message?sessionId=…` carries the client's messages;
 * `/servers/{backend}/sse` and `/servers/{backend}/message` serve one backend. Authenticated and
 * Origin-checked like `/mcp` (the Bearer header on the GET and on every POST). A session answers
 * only the identity (user and key) that opened it: anyone else, or an unknown id, gets 404.
 */
export async function legacySseRoutes(
  app: FastifyInstance,
  options: {
    identity: IdentityContext;
    gateway: Gateway;
    settings: Settings;
    sessions?: SessionDirectory;
    forwarding?: SessionForwarding;
  },
): Promise<void> {
  const { identity, gateway, settings } = options;
  const { forwarding } = options;
  // Parse errors are answered here, as JSON-RPC -32700, so the body arrives unparsed.
  acceptRawJson(app);
  app.addHook('onRequest', checkOrigin(settings));
  app.addHook('onRequest', authenticate(identity));

  const sessions = new LegacySseSessions(gateway, {
    maxPerUser: MAX_SSE_SESSIONS_PER_USER,
    held: options.sessions,
  });
  // preClose, not onClose: an open stream would otherwise hold the server's close until the grace ends.
  app.addHook('preClose', () => sessions.close());

  /** The caller, when it may use `backend` (or, for the aggregate, at least one backend). */
  const callerFor = (request: FastifyRequest, backend: string | undefined): GatewayCaller =>
    mcpCaller(request, gateway, backend);
  const messagePath = (backend: string | undefined) =>
    backend === undefined ? '/message' : `/servers/${encodeURIComponent(backend)}/message`;

  const openStream = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const { backend } = request.params;
    const caller = callerFor(request, backend);
    const transport = await sessions.open(caller, messagePath(backend), backend);
    if (transport === null)
      throw new AppError('rate_limited', { message: 'Too many open SSE sessions for this user' });
    reply.raw.once('close', () => void transport.close());
    // The client may have gone while the session opened: then 'close' has fired already.
    if (reply.raw.closed) void transport.close();
    request.log.debug({ session: transport.sessionId }, 'sse session opened');
    return reply
      .header('content-type', 'text/event-stream')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no')
      .send(transport.stream);
  };

  const postMessage = async (
    request: FastifyRequest<{ Params: Params; Querystring: { sessionId?: unknown } }>,
    reply: FastifyReply,
  ) => {
    const { backend } = request.params;
    const caller = callerFor(request, backend);
    const id = request.query.sessionId;
    // The stream of a session another replica holds is there: so is where its messages go.
    if (forwarding && typeof id === 'string' && !sessions.has(id)) {
      const owner = await forwarding.ownerOf(request, id);
      if (owner !== undefined) {
        const gone = () => jsonRpcError(reply, 404, -32001, 'Session not found');
        return forwarding.forward(request, reply, { owner, id, gone });
      }
    }
    const transport = typeof id === 'string' ? sessions.find(id, caller, messagePath(backend)) : null;
    if (transport === null) return jsonRpcError(reply, 404, -32001, 'Session not found');
    const message = parseMessage(request.body);
    if (message === -32700) return jsonRpcError(reply, 400, -32700, 'Parse error');
    if (message === -32600) return jsonRpcError(reply, 400, -32600, 'Invalid Request');
    if (!transport.receive(message)) return jsonRpcError(reply, 404, -32001, 'Session not found');
    return reply.status(202).type('text/plain').send('Accepted');
  };

  for (const prefix of ['', '/servers/:backend']) {
    app.get<{ Params: Params }>(`${prefix}/sse`, openStream);
    app.post<{ Params: Params; Querystring: { sessionId?: unknown } }>(`${prefix}/message`, postMessage);
  }
}
