import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An attribute value as OTLP/JSON encodes it (64-bit integers may come as strings). */
type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
};

/** One span as received, with its attributes and its resource's as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
}

/** An OTLP/HTTP receiver of JSON-encoded spans (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) on 127.0.0.1. */
export interface OtlpReceiver {
  /** The base endpoint, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every export received: its path, headers and raw body. */
  exports: { path: string; headers: IncomingHttpHeaders; body: string }[];
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

function plain(attributes: { key: string; value: AnyValue }[] = []): ReceivedSpan['attributes'] {
  const values: ReceivedSpan['attributes'] = {};
  for (const { key, value } of attributes) {
    const found = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (found !== undefined)
      values[key] = typeof found === 'string' && 'intValue' in value ? Number(found) : found;
  }
  return values;
}

interface ExportBody {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: {
      spans?: (Omit<ReceivedSpan, 'attributes' | 'resource'> & {
        attributes?: { key: string; value: AnyValue }[];
      })[];
    }[];
  }[];
}

/** Starts a receiver that answers every POST with 200 `{}` and keeps what it got. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: OtlpReceiver['exports'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      exports.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    spans() {
      const spans: ReceivedSpan[] = [];
      for (const { body } of exports) {
        for (const group of (JSON.parse(body) as ExportBody).resourceSpans ?? []) {
          const resource = plain(group.resource?.attributes);
          for (const scope of group.scopeSpans ?? [])
            for (const span of scope.spans ?? [])
              spans.push({
                ...span,
                parentSpanId: span.parentSpanId ?? '',
                attributes: plain(span.attributes),
                resource,
              });
        }
      }
      return spans;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
