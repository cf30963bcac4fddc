import { describe, expect, it } from 'vitest';
import {
  displayValue,
  loadSettings,
  parseKeyValueList,
  REDACTED,
  SETTING_SPECS,
  type SettingSpec,
  type Settings,
} from '../../src/config/index.ts';
import { toolCallTracing, tracingPlan } from '../../src/tracing/index.ts';

function settings(env: Record<string, string>): Settings {
  const result = loadSettings({ env });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.settings;
}

const plan = (env: Record<string, string>) => tracingPlan(settings(env));

describe('parseKeyValueList (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS)', () => {
  it('reads key=value pairs, percent-decoding values and ignoring blanks', () => {
    expect(parseKeyValueList(' a=1 , b=x%20y%2Cz,,c=k=v ')).toEqual({ a: '1', b: 'x y,z', c: 'k=v' });
    expect(parseKeyValueList('')).toEqual({});
  });

  it.each(['novalue', '=x', 'bad key=1', 'a=%zz', 'a=line%0Abreak', 'a=%00'])('refuses %j', (text) => {
    expect(parseKeyValueList(text)).toBeNull();
  });
});

describe('tracingPlan', () => {
  it('is off with no OTEL_* variable', () => {
    expect(plan({})).toBeNull();
    expect(toolCallTracing.on).toBe(false);
  });

  it('is on with an endpoint: spans go to its /v1/traces as protobuf, from service gatehouse', () => {
    expect(plan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      resource: { 'service.name': 'gatehouse' },
    });
    expect(plan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/base/' })?.url).toBe(
      'https://otel.example.com/base/v1/traces',
    );
  });

  it('takes a traces endpoint as it is, over the base one', () => {
    expect(
      plan({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
      })?.url,
    ).toBe('http://traces:9999/custom');
  });

  it("is on with OTEL_TRACES_EXPORTER=otlp alone, to the SDK's default receiver", () => {
    expect(plan({ OTEL_TRACES_EXPORTER: 'otlp' })?.url).toBe('http://localhost:4318/v1/traces');
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever the endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(plan({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(plan({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    expect(plan({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBeNull();
  });

  it('prefers the traces protocol and traces headers, and merges both header lists', () => {
    const traced = plan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general,x-team=ops',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=traces%3D1',
    });
    expect(traced?.protocol).toBe('http/json');
    expect(traced?.headers).toEqual({ 'api-key': 'traces=1', 'x-team': 'ops' });
  });

  it('names the service by OTEL_SERVICE_NAME, else service.name of OTEL_RESOURCE_ATTRIBUTES, else gatehouse', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    const attributes = {
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment.name=prod',
    };
    expect(plan({ ...endpoint, ...attributes })?.resource).toEqual({
      'service.name': 'from-attributes',
      'deployment.environment.name': 'prod',
    });
    expect(plan({ ...endpoint, ...attributes, OTEL_SERVICE_NAME: 'gate-eu' })?.resource['service.name']).toBe(
      'gate-eu',
    );
  });
});

describe('OTEL_* settings', () => {
  it('refuses gRPC, a malformed header list and an endpoint that is not http(s), without echoing the headers', () => {
    const result = loadSettings({
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic c2VjcmV0,broken',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317',
      },
    });
    if (result.ok) throw new Error('expected invalid settings');
    const text = result.errors.join('\n');
    expect(text).toContain('OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, got "grpc"');
    expect(text).toContain('OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value pairs');
    expect(text).toContain('OTEL_EXPORTER_OTLP_ENDPOINT must be a URL starting with http:// or https://');
    expect(text).not.toContain('c2VjcmV0');
  });

  it('warns when export headers would cross the network unencrypted, not to loopback or over https', () => {
    const warnings = (env: Record<string, string>) => {
      const result = loadSettings({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=k', ...env } });
      if (!result.ok) throw new Error(result.errors.join('; '));
      return result.warnings.filter((warning) => warning.startsWith('OTEL_'));
    };
    expect(warnings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.example.com:4318' })).toHaveLength(1);
    expect(warnings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example.com' })).toEqual([]);
    expect(warnings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual([]);
  });

  it('redacts export headers and an endpoint password in `config check`', () => {
    const spec = (key: keyof typeof SETTING_SPECS) => SETTING_SPECS[key] as SettingSpec;
    expect(displayValue(spec('otelExporterOtlpHeaders'), 'api-key=s3cret')).toBe(REDACTED);
    expect(displayValue(spec('otelExporterOtlpTracesHeaders'), 'api-key=s3cret')).toBe(REDACTED);
    expect(displayValue(spec('otelExporterOtlpEndpoint'), 'https://u:s3cret@otel.example.com')).toBe(
      `https://u:${REDACTED}@otel.example.com/`,
    );
  });
});
