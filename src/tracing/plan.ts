import { parseKeyValueList, type Settings } from '../config/index.ts';

/** Where and how spans are exported, as the OTEL_* settings ask. */
export interface TracingPlan {
  /** The full URL spans are POSTed to. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Headers sent with every export (secrets: never logged). */
  headers: Record<string, string>;
  /** The resource attributes of every span, `service.name` included. */
  resource: Record<string, string>;
}

/** The OTLP/HTTP receiver's address when OTEL_TRACES_EXPORTER=otlp names none (the SDK's default). */
export const DEFAULT_TRACES_URL = 'http://localhost:4318/v1/traces';
const DEFAULT_SERVICE_NAME = 'gatehouse';

/** The base endpoint with the signal's path appended, as the OTLP exporter specification says. */
function tracesUrl(base: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

// Validated at load (keyValueList), so a parse never fails here.
const pairs = (text: string | undefined): Record<string, string> =>
  text === undefined ? {} : (parseKeyValueList(text) ?? {});

/**
 * What tracing the settings ask for; null when it is off: OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none, or neither an OTLP endpoint nor OTEL_TRACES_EXPORTER=otlp is set.
 * A traces endpoint wins over the base one, a traces protocol over the general one, a traces
 * header over a general one of the same name, OTEL_SERVICE_NAME over a `service.name` attribute.
 */
export function tracingPlan(settings: Settings): TracingPlan | null {
  if (settings.otelSdkDisabled || settings.otelTracesExporter === 'none') return null;
  const endpoint =
    settings.otelExporterOtlpTracesEndpoint ??
    (settings.otelExporterOtlpEndpoint === undefined
      ? undefined
      : tracesUrl(settings.otelExporterOtlpEndpoint));
  if (endpoint === undefined && settings.otelTracesExporter !== 'otlp') return null;
  const attributes = pairs(settings.otelResourceAttributes);
  return {
    url: endpoint ?? DEFAULT_TRACES_URL,
    protocol: settings.otelExporterOtlpTracesProtocol ?? settings.otelExporterOtlpProtocol,
    headers: { ...pairs(settings.otelExporterOtlpHeaders), ...pairs(settings.otelExporterOtlpTracesHeaders) },
    resource: {
      ...attributes,
      'service.name': settings.otelServiceName ?? attributes['service.name'] ?? DEFAULT_SERVICE_NAME,
    },
  };
}
