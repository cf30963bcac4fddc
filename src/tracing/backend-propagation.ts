// Loaded only when tracing is on (see start.ts).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { context, defaultTextMapSetter, type TextMapPropagator } from '@opentelemetry/api';
import { REQUEST_CREATED_CHANNEL, type RequestCreated } from '../gateway/upstream/http1-client.ts';
import { inToolCall } from './tool-spans.ts';

// Published as node:http creates a request, before its headers are sent (HTTP backends' direct channel, https:).
const NODE_HTTP = 'http.client.request.created';
// Published as fetch (undici) creates a request (the MCP SDK's HTTP and SSE client transports).
const FETCH = 'undici:request:create';
// Published as Gatehouse's lean HTTP/1.1 client builds a request (HTTP backends' direct channel, http:).
const HTTP1_CLIENT = REQUEST_CREATED_CHANNEL;

/** The W3C trace headers of the current tool call's span; empty outside one. */
function traceHeaders(propagator: TextMapPropagator): Record<string, string> {
  const active = context.active();
  const headers: Record<string, string> = {};
  if (inToolCall(active)) propagator.inject(active, headers, defaultTextMapSetter);
  return headers;
}

/**
 * Adds `traceparent` (and `tracestate`) to the HTTP requests made during a tool call, so an
 * instrumented HTTP or SSE backend continues the trace under the call's span. Requests made
 * anywhere else (span export, OAuth metadata fetches, health pings) get nothing. Returns the
 * function that stops it.
 */
export function propagateToBackends(propagator: TextMapPropagator): () => void {
  const onNodeHttp = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    for (const [name, value] of Object.entries(traceHeaders(propagator)))
      if (!request.hasHeader(name)) request.setHeader(name, value);
  };
  const onFetch = (message: unknown) => {
    const { request } = message as { request: { addHeader(name: string, value: string): unknown } };
    for (const [name, value] of Object.entries(traceHeaders(propagator))) request.addHeader(name, value);
  };
  const onHttp1Client = (message: unknown) => {
    const request = message as RequestCreated;
    for (const [name, value] of Object.entries(traceHeaders(propagator))) request.addHeader(name, value);
  };
  subscribe(NODE_HTTP, onNodeHttp);
  subscribe(FETCH, onFetch);
  subscribe(HTTP1_CLIENT, onHttp1Client);
  return () => {
    unsubscribe(NODE_HTTP, onNodeHttp);
    unsubscribe(FETCH, onFetch);
    unsubscribe(HTTP1_CLIENT, onHttp1Client);
  };
}
