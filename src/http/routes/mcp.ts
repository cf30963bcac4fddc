import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../../config/index.ts';
import {
  answerAuthenticateUser,
  answerToolCall,
  authenticateUserCall,
  createCallerServer,
  type Gateway,
  LegacySessions,
  type PlainReply,
  plainModernToolCall,
  type RequestView,
  type ServeScope,
  SESSION_NOT_FOUND,
} from '../../gateway/index.ts';
import type { IdentityContext } from '../../identity/index.ts';
import { authenticate, requestContext, unauthorized } from '../plugins/authenticate.ts';
import { acceptRawJson, mcpCaller } from '../plugins/mcp-endpoint.ts';
import { checkOrigin } from '../plugins/origin.ts';
import type { SessionForwarding } from '../plugins/session-forwarding.ts';
import type { SessionDirectory } from '../../shared-state/index.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'host',
]);

/** The Fetch API request the SDK serves, built from Fastify's (the body as received, unparsed). */
function webRequest(request: FastifyRequest, baseUrl: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const body = typeof request.body === 'string' ? request.body : undefined;
  return new Request(new URL(request.url, baseUrl), { method: request.method, headers, body, signal });
}

async function sendWeb(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  reply.status(response.status);
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) reply.header(name, value);
  });
  if (response.body === null) return reply.send();
  // A whole JSON answer is cheaper sent as one buffer; only event streams need piping.
  if (!response.headers.get('content-type')?.startsWith('text/event-stream'))
    return reply.send(Buffer.from(await response.arrayBuffer()));
  return reply.send(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>));
}

/** Fastify's request as the fast paths read it (no Web Request is built for them). */
class FastifyView implements RequestView {
  readonly method: string;
  #headers: FastifyRequest['headers'];

  constructor(request: FastifyRequest) {
    this.method = request.method;
    this.#headers = request.headers;
  }

  header(name: string): string | null {
    const value = this.#headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
}

/** A signal that aborts when the client goes away before its answer is sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const aborted = new AbortController();
  // The response side closes when the client goes away (the request side closes once read).
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) aborted.abort();
  });
  return aborted.signal;
}

function sendPlain(reply: FastifyReply, plain: PlainReply): FastifyReply {
  reply.status(plain.status);
  for (const [name, value] of Object.entries(plain.headers)) reply.header(name, value);
  if (plain.body === null) return reply.send();
  // A Buffer, so Fastify keeps the content type as given (a string would gain a charset).
  if (typeof plain.body === 'string') return reply.send(Buffer.from(plain.body));
  return reply.send(Readable.fromWeb(plain.body as NodeReadableStream<Uint8Array>));
}

/** The parsed JSON of a raw body; undefined when there is none or it is not JSON. */
function parseJson(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The MCP endpoints: `/mcp` (alias `/mcp/v1`) aggregates every backend the caller may use;
 * `/servers/{backend}/mcp` serves one. Every request is authenticated; the 2026-07-28 protocol is
 * served statelessly, 2025-era clients get sessions bound to their identity. A caller whose
 * policy blocks every backend gets 403 `access_denied`; a backend it may not use looks absent (404).
 */
export async function mcpRoutes(
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
  // JSON-RPC parse errors are the SDK's to answer (-32700), so the body reaches it unparsed.
  acceptRawJson(app);
  app.addHook('onRequest', checkOrigin(settings));
  const required = authenticate(identity);
  app.addHook('onRequest', async function (request, reply) {
    // An anonymous POST may only be the hidden authenticate_user call; the handler decides.
    if (request.method === 'POST' && request.headers.authorization === undefined && !identity.authDisabled)
      return;
    return required.call(this, request, reply);
  });

  const baseUrl = `http://${settings.host}:${settings.port}`;
  const modern = createMcpHandler(
    (context) => createCallerServer(gateway, context.authInfo?.extra?.scope as ServeScope),
    {
      legacy: 'reject',
      maxRequestBodySize: settings.bodyLimitBytes,
      onerror: (error) => app.log.debug({ err: { message: error.message } }, 'mcp request refused'),
    },
  );
  const legacy = new LegacySessions(gateway, {
    idleMs: settings.mcpSessionIdleMinutes * 60_000,
    held: options.sessions,
  });
  // preClose, not onClose: open notification streams would otherwise hold the server open until
  // the shutdown grace period runs out.
  app.addHook('preClose', async () => {
    await legacy.close();
    await modern.close();
  });

  const serve =
    (backendOf: (request: FastifyRequest) => string | undefined) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.caller) {
        const call = authenticateUserCall(request.body);
        if (call === null) throw unauthorized();
        return reply.send(await answerAuthenticateUser(identity, call, requestContext(request)));
      }
      // A session another replica holds is served there (sessions need no affinity).
      const sessionId = request.headers['mcp-session-id'];
      if (forwarding && typeof sessionId === 'string' && !legacy.has(sessionId)) {
        const owner = await forwarding.ownerOf(request, sessionId);
        if (owner !== undefined) {
          const gone = () => reply.status(404).type('application/json').send(SESSION_NOT_FOUND);
          return forwarding.forward(request, reply, { owner, id: sessionId, gone });
        }
      }
      const backend = backendOf(request);
      const caller = mcpCaller(request, gateway, backend);
      // Parsed once here; a body that is not JSON goes to the SDK raw, which answers -32700.
      const parsedBody = parseJson(request.body);
      const endpoint = backend === undefined ? 'aggregate' : `servers/${backend}`;
      // The hot paths: a plain tools/call answered without the SDK (2026-07-28 stateless, or in an
      // open 2025 session), and without turning Fastify's request and reply into Web ones.
      const view = new FastifyView(request);
      const modernCall = plainModernToolCall(view, parsedBody);
      if (modernCall !== null) {
        const scope: ServeScope = { caller, sessionId: null, backend };
        const options = { era: 'modern' as const, headers: {}, signal: clientGone(reply) };
        return sendPlain(reply, await answerToolCall(gateway, scope, modernCall, options));
      }
      // A 2025 session's call is cancelled by notifications/cancelled, not by the client leaving.
      const sessionCall = legacy.fastCall(view, parsedBody, caller, endpoint);
      if (sessionCall !== null) return sendPlain(reply, await sessionCall);
      const signal = clientGone(reply);
      const scope: ServeScope = { caller, sessionId: null, backend };
      const web = webRequest(request, baseUrl, signal);
      if (await isLegacyRequest(web, parsedBody, { maxRequestBodySize: settings.bodyLimitBytes })) {
        return sendWeb(reply, await legacy.handle(web, parsedBody, caller, endpoint, backend));
      }
      const authInfo = { token: '', clientId: caller.userId, scopes: [], extra: { scope } };
      return sendWeb(reply, await modern.fetch(web, { authInfo, parsedBody }));
    };

  const methods = ['GET', 'POST', 'DELETE'] as const;
  // Every tool call is audited (tool_call); per-request log lines would double the logging cost.
  const logLevel = 'warn';
  for (const url of ['/mcp', '/mcp/v1'])
    app.route({ method: [...methods], url, logLevel, handler: serve(() => undefined) });
  app.route<{ Params: { backend: string } }>({
    method: [...methods],
    logLevel,
    url: '/servers/:backend/mcp',
    handler: serve((request) => (request.params as { backend: string }).backend),
  });
}
