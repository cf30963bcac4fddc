import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, type ClientOptions, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEchoServer, type FixtureStats } from '../fixtures/mcp/echo-tools.ts';
import { createHttpHost } from '../fixtures/mcp/http-host.ts';
import { ERAS, eventually, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver.ts';

// The bootstrap admin's password that startGateway logs in with.
const ADMIN_PASSWORD = 'an operator passphrase here';
const REPORT_LOADS = fileURLToPath(new URL('../fixtures/report-otel-loads.ts', import.meta.url));
const LOADED = 'OPENTELEMETRY LOADED';
const TOOL_ARGUMENT = 'a private tool argument';
const RESET_TOKEN = 'ResetTokenThatMustNotBeTraced0123456789abcd';
const QUERY_SECRET = 'query-secret-value';
const COLLECTOR_SECRET = 'collector secret/value';
const SERVER = 2;
const CLIENT = 3;

/** A trace id of one repeated hex digit, so each request's trace is easy to find. */
const traceIdOf = (digit: string) => digit.repeat(32);
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = (traceId: string) => `00-${traceId}-${CALLER_SPAN}-01`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

/** The first span that `match` accepts, once the receiver has it. */
function spanWhere(receiver: OtlpReceiver, what: string, match: (span: ReceivedSpan) => boolean) {
  return eventually(async () => receiver.spans().find(match), 10_000, what);
}

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: OtlpReceiver;
  let gateway: GatewayUnderTest;
  let backend: Server;
  let aliceKey = '';
  // The traceparent headers the HTTP backend received.
  const upstream: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const stats: FixtureStats = { slowCalls: 0, cancelled: 0, dynamicTools: 0, authorizations: [] };
    backend = createHttpHost(() => createEchoServer('web', stats)).server;
    backend.prependListener('request', (request) => {
      const header = request.headers.traceparent;
      if (typeof header === 'string') upstream.push(header);
    });
    const backendUrl = await listen(backend);
    gateway = await startGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${encodeURIComponent(COLLECTOR_SECRET)}`,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      NODE_OPTIONS: `--import ${REPORT_LOADS}`,
    });
    await gateway.addBackend({ name: 'web', transport: 'http', url: backendUrl });
    aliceKey = await gateway.addUser('alice');
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    backend?.closeAllConnections();
    backend?.close();
    await receiver?.close();
  });

  it.each(ERAS.map((era, index) => ({ ...era, traceId: traceIdOf(String(index + 1)) })))(
    "a tool call over $era is a client span under its POST /mcp server span, in the caller's trace",
    async ({ traceId, versionNegotiation }) => {
      const client = new Client({ name: 'tracing', version: '1.0.0' }, {
        versionNegotiation,
      } as ClientOptions);
      const transport = new StreamableHTTPClientTransport(new URL(`${gateway.server.baseUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${aliceKey}`, traceparent: traceparent(traceId) } },
      });
      await client.connect(transport);
      const result = await client.callTool({ name: 'web__echo', arguments: { text: TOOL_ARGUMENT } });
      expect(textOf(result)).toContain(TOOL_ARGUMENT);
      await client.close();

      const tool = await spanWhere(
        receiver,
        'the tool call span',
        (span) => span.traceId === traceId && span.name === 'tools/call echo',
      );
      expect(tool.kind).toBe(CLIENT);
      expect(tool.attributes).toMatchObject({
        'gatehouse.backend': 'web',
        'gatehouse.tool': 'echo',
        'gatehouse.outcome': 'ok',
        'mcp.method.name': 'tools/call',
      });
      expect(tool.attributes['gatehouse.duration_ms']).toBeGreaterThan(0);

      const request = await spanWhere(
        receiver,
        'the request span',
        (span) => span.traceId === traceId && span.spanId === tool.parentSpanId,
      );
      expect(request.kind).toBe(SERVER);
      expect(request.name).toBe('POST /mcp');
      expect(request.parentSpanId).toBe(CALLER_SPAN);
      expect(request.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.route': '/mcp',
        'http.response.status_code': 200,
        'url.scheme': 'http',
      });
      expect(request.resource).toMatchObject({
        'service.name': 'gatehouse',
        'deployment.environment.name': 'e2e',
      });
      // The backend continues the trace under the tool call's span.
      expect(upstream).toContain(`00-${traceId}-${tool.spanId}-01`);
    },
  );

  it('names a REST request by its route template, with its status, and a path no route matched by its method only', async () => {
    const traceId = traceIdOf('c');
    const reset = await fetch(
      `${gateway.server.baseUrl}/auth/email/reset-password/${RESET_TOKEN}?next=${QUERY_SECRET}`,
      { headers: { traceparent: traceparent(traceId) } },
    );
    const unknown = await fetch(`${gateway.server.baseUrl}/no-such-${QUERY_SECRET}`, {
      headers: { traceparent: traceparent(traceIdOf('d')) },
    });
    expect(unknown.status).toBe(404);

    const span = await spanWhere(receiver, 'the reset page span', (s) => s.traceId === traceId);
    expect(span.name).toBe('GET /auth/email/reset-password/:token');
    expect(span.parentSpanId).toBe(CALLER_SPAN);
    expect(span.attributes['http.route']).toBe('/auth/email/reset-password/:token');
    expect(span.attributes['http.response.status_code']).toBe(reset.status);
    const missing = await spanWhere(receiver, 'the 404 span', (s) => s.traceId === traceIdOf('d'));
    expect(missing.name).toBe('GET');
    expect(missing.attributes['http.route']).toBeUndefined();
    expect(missing.attributes['http.response.status_code']).toBe(404);
  });

  it('exports with OTEL_EXPORTER_OTLP_HEADERS to /v1/traces, and no span carries a credential, an argument, a path or a query', async () => {
    expect(gateway.server.output()).toContain(LOADED);
    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const { path, headers } of receiver.exports) {
      expect(path).toBe('/v1/traces');
      expect(headers['x-collector-key']).toBe(COLLECTOR_SECRET);
    }
    const everything = receiver.exports.map((e) => e.body).join('\n');
    for (const secret of [
      ADMIN_PASSWORD,
      gateway.admin,
      aliceKey,
      aliceKey.slice(0, 16),
      TOOL_ARGUMENT,
      RESET_TOKEN,
      QUERY_SECRET,
      COLLECTOR_SECRET,
      'Bearer',
      'alice',
    ])
      expect(everything, secret).not.toContain(secret);
  });
});

describe('tracing with the default protocol', () => {
  it('exports protobuf to /v1/traces, and spans still queued at shutdown leave before the process exits', async () => {
    const receiver = await startOtlpReceiver();
    // A batch delay longer than the test: only the shutdown flush can send the span.
    const gateway = await startGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    try {
      expect((await fetch(`${gateway.server.baseUrl}/health`)).status).toBe(200);
      expect(receiver.exports).toEqual([]);
    } finally {
      await gateway.stop();
      await receiver.close();
    }
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports[0]!.path).toBe('/v1/traces');
    expect(receiver.exports[0]!.headers['content-type']).toBe('application/x-protobuf');
  }, 60_000);
});

describe('tracing off', () => {
  it('with no OTEL_* variable, a request and a tool call load no OpenTelemetry module, so no exporter is contacted', async () => {
    const gateway = await startGateway({ NODE_OPTIONS: `--import ${REPORT_LOADS}` });
    try {
      const stats: FixtureStats = { slowCalls: 0, cancelled: 0, dynamicTools: 0, authorizations: [] };
      const backend = createHttpHost(() => createEchoServer('web', stats)).server;
      await gateway.addBackend({ name: 'web', transport: 'http', url: await listen(backend) });
      const client = await gateway.connect(await gateway.addUser('bob'), ERAS[1]!);
      expect(textOf(await client.callTool({ name: 'web__echo', arguments: { text: 'hi' } }))).toContain('hi');
      backend.closeAllConnections();
      backend.close();
      expect(gateway.server.output()).not.toContain(LOADED);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('with OTEL_SDK_DISABLED=true, the endpoint it names receives nothing', async () => {
    const receiver = await startOtlpReceiver();
    const gateway = await startGateway({
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      NODE_OPTIONS: `--import ${REPORT_LOADS}`,
    });
    try {
      expect((await fetch(`${gateway.server.baseUrl}/health`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.exports).toEqual([]);
      expect(gateway.server.output()).not.toContain(LOADED);
    } finally {
      await gateway.stop();
      await receiver.close();
    }
  }, 60_000);
});
