// Loaded only when tracing is on (see start.ts).
import {
  type Context,
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// Semantic conventions: any other method is recorded as _OTHER, so a client cannot mint names.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** The request's span and the context that holds it, kept from its first hook to its last. */
const spans = new WeakMap<FastifyRequest, { span: Span; active: Context }>();

function end(span: Span, method: string, request: FastifyRequest, reply: FastifyReply): void {
  // The route template only (`/auth/email/reset-password/:token`): a path or query can hold a secret.
  const route = request.routeOptions.url;
  const status = reply.raw.statusCode;
  if (route !== undefined) {
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${method} ${route}`);
  }
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Gives every request `app` serves a server span: a child of the caller's W3C `traceparent` when
 * it sends one, named `METHOD /route`, with the method, route template, status code, scheme and
 * HTTP version — never the path, query, headers, client address or a body. The handler runs with
 * the span as the current one, so spans started there (tool calls) are its children. Call before
 * any other hook and before routes register.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer, propagator: TextMapPropagator): void {
  app.addHook('onRequest', (request, reply, done) => {
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const method = METHODS.has(request.method) ? request.method : '_OTHER';
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion,
          'gatehouse.request_id': request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    spans.set(request, { span, active });
    // 'close' comes once the response is finished or the client went away (an event stream).
    reply.raw.once('close', () => end(span, method, request, reply));
    context.with(active, done);
  });
  // The body arrives on the socket's events, outside the span's context: the handler is put back in it.
  app.addHook('preHandler', (request, _reply, done) => {
    const held = spans.get(request);
    if (held === undefined) return done();
    context.with(held.active, done);
  });
}
