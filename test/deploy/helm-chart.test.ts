import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings, SETTING_SPECS } from '../../src/config/index.ts';
import {
  CHART_DIR,
  ciValues,
  type K8sObject,
  mergeValues,
  REQUIRED_VALUES,
  renderChart,
  templateFiles,
} from './chart.ts';

const SETTING_NAMES = new Set(Object.values(SETTING_SPECS).map((spec) => spec.env));
const PRODUCTION = ciValues('production-values.yaml');

function container(deployment: K8sObject) {
  return deployment.spec.template.spec.containers[0];
}

function secretData(secret: K8sObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
}

let temp: string | undefined;
afterEach(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = undefined;
});

describe('the Helm chart charts/gatehouse', () => {
  it('has a Chart.yaml (apiVersion v2, name, version, appVersion) and a values.yaml that parse', () => {
    const chart = parse(readFileSync(new URL('Chart.yaml', CHART_DIR), 'utf8'));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'gatehouse', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(chart.appVersion).toBe(pkg.version);
    expect(templateFiles()).toEqual(
      expect.arrayContaining(['deployment.yaml', 'secret.yaml', 'service.yaml', 'ingress.yaml', 'pdb.yaml']),
    );
  });

  it('with values.yaml alone, stops at the first missing required value and names it', () => {
    expect(() => renderChart()).toThrow(/publicBaseUrl is required/);
  });

  it.each([
    ['publicBaseUrl', { publicBaseUrl: '' }, /publicBaseUrl is required/],
    ['platformAdminPassword', { platformAdminPassword: '' }, /platformAdminPassword is required/],
    ['jwtSecretKey', { jwtSecretKey: '' }, /jwtSecretKey is required/],
    ['database.url', { database: { url: '' } }, /database\.url is required/],
  ])('fails clearly without %s', (_name, missing, message) => {
    expect(() => renderChart(mergeValues(REQUIRED_VALUES, missing))).toThrow(message);
  });

  it('refuses a short jwtSecretKey, a short metrics token, and several replicas without Redis', () => {
    expect(() => renderChart({ ...REQUIRED_VALUES, jwtSecretKey: 'short' })).toThrow(/32 characters/);
    expect(() => renderChart({ ...REQUIRED_VALUES, metrics: { token: 'short' } })).toThrow(
      /metrics\.token must be 32/,
    );
    expect(() => renderChart({ ...REQUIRED_VALUES, replicaCount: 2 })).toThrow(/redis\.url is required/);
  });

  it.each([
    ['values.yaml plus the required values', REQUIRED_VALUES],
    ['ci/production-values.yaml', PRODUCTION],
  ])('renders to YAML Kubernetes objects with %s', (_name, values) => {
    const { objects, notes } = renderChart(values);
    expect(objects.length).toBeGreaterThanOrEqual(5);
    for (const object of objects) {
      expect(object.apiVersion, JSON.stringify(object)).toEqual(expect.any(String));
      expect(object.kind).toEqual(expect.any(String));
      expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(object.metadata.labels?.['app.kubernetes.io/instance']).toBe('gh');
    }
    expect(notes).toContain('helm upgrade gh');
  });

  it('renders the optional objects only when asked: Ingress, ServiceMonitor, PodDisruptionBudget', () => {
    const plain = renderChart(REQUIRED_VALUES);
    expect(plain.objects.map((o) => o.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service'].sort(),
    );
    const none = renderChart({ ...REQUIRED_VALUES, podDisruptionBudget: { enabled: false } });
    expect(none.byKind('PodDisruptionBudget')).toBeUndefined();
    const production = renderChart(PRODUCTION);
    expect(production.byKind('Ingress')).toBeDefined();
    expect(production.byKind('ServiceMonitor')).toBeDefined();
  });

  it('probes /health for liveness and start-up and /ready for readiness, on the http port 4444', () => {
    const main = container(renderChart(REQUIRED_VALUES).byKind('Deployment')!);
    expect(main.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(main.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(main.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(main.ports).toContainEqual({ name: 'http', containerPort: 4444, protocol: 'TCP' });
  });

  it('runs as a non-root user with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    const deployment = renderChart(REQUIRED_VALUES).byKind('Deployment')!;
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container(deployment).resources.limits.memory).toBe('1Gi');
  });

  it('puts PLATFORM_ADMIN_PASSWORD, JWT_SECRET_KEY, DATABASE_URL, REDIS_URL, SMTP_PASSWORD and METRICS_TOKEN in the Secret the pods read', () => {
    const rendered = renderChart(PRODUCTION);
    const secret = rendered.byKind('Secret')!;
    expect(secretData(secret)).toEqual({
      PLATFORM_ADMIN_PASSWORD: PRODUCTION.platformAdminPassword,
      JWT_SECRET_KEY: PRODUCTION.jwtSecretKey,
      DATABASE_URL: (PRODUCTION.database as { url: string }).url,
      REDIS_URL: (PRODUCTION.redis as { url: string }).url,
      SMTP_PASSWORD: (PRODUCTION.smtp as { password: string }).password,
      METRICS_TOKEN: (PRODUCTION.metrics as { token: string }).token,
    });
    expect(container(rendered.byKind('Deployment')!).envFrom).toEqual([
      { secretRef: { name: secret.metadata.name } },
    ]);
    const text = JSON.stringify(rendered.objects.filter((o) => o.kind !== 'Secret'));
    expect(text).not.toContain(PRODUCTION.platformAdminPassword);
    expect(text).not.toContain(PRODUCTION.jwtSecretKey);
  });

  it('with existingSecret renders no Secret and points the pods at the named one', () => {
    const rendered = renderChart({
      publicBaseUrl: 'https://gatehouse.example.com',
      existingSecret: 'my-secrets',
    });
    expect(rendered.byKind('Secret')).toBeUndefined();
    const deployment = rendered.byKind('Deployment')!;
    expect(container(deployment).envFrom).toEqual([{ secretRef: { name: 'my-secrets' } }]);
    expect(deployment.spec.template.metadata.annotations['checksum/secret']).toBeUndefined();
  });

  it('renders replicas and a PodDisruptionBudget that selects the same pods', () => {
    const rendered = renderChart(PRODUCTION);
    const deployment = rendered.byKind('Deployment')!;
    const pdb = rendered.byKind('PodDisruptionBudget')!;
    expect(deployment.spec.replicas).toBe(3);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(rendered.byKind('Service')!.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it('a new platformAdminPassword changes the pod template, so helm upgrade rolls the pods (and nothing else does)', () => {
    const annotations = (values: Record<string, unknown>) =>
      renderChart(values).byKind('Deployment')!.spec.template.metadata.annotations;
    const before = annotations(PRODUCTION);
    const same = annotations(PRODUCTION);
    const after = annotations({ ...PRODUCTION, platformAdminPassword: 'a different operator passphrase' });
    expect(same['checksum/secret']).toBe(before['checksum/secret']);
    expect(after['checksum/secret']).toMatch(/^[0-9a-f]{64}$/);
    expect(after['checksum/secret']).not.toBe(before['checksum/secret']);
    expect(after['checksum/config']).toBe(before['checksum/config']);
    const configChanged = annotations(mergeValues(PRODUCTION, { config: { max_failed_login_attempts: 7 } }));
    expect(configChanged['checksum/config']).not.toBe(before['checksum/config']);
  });

  it('routes the Ingress to the Service http port and serves metrics on a port of their own', () => {
    const rendered = renderChart(PRODUCTION);
    const ingress = rendered.byKind('Ingress')!;
    const service = rendered.byKind('Service')!;
    expect(ingress.spec.rules[0].host).toBe('gatehouse.example.com');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: service.metadata.name,
      port: { name: 'http' },
    });
    expect(ingress.spec.tls[0].secretName).toBe('gatehouse-tls');
    // Annotations are strings: `off` must stay quoted (YAML 1.1 reads a bare off as false).
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toEqual(['http', 'metrics']);
    const monitor = rendered.byKind('ServiceMonitor')!;
    expect(monitor.spec.endpoints[0]).toMatchObject({
      port: 'metrics',
      path: '/metrics',
      bearerTokenSecret: { key: 'METRICS_TOKEN' },
    });
  });

  it.each([
    ['values.yaml plus the required values', REQUIRED_VALUES],
    ['ci/production-values.yaml', PRODUCTION],
  ])("the pods' environment, Secret and config file are valid Gatehouse settings (%s)", (_name, values) => {
    const rendered = renderChart(values);
    const main = container(rendered.byKind('Deployment')!);
    const env: Record<string, string> = { ...secretData(rendered.byKind('Secret')!) };
    // Values from the pod's own fields (POD_IP) exist only to be expanded into settings, as
    // Kubernetes expands $(NAME) in later values; here they take a sample value.
    const fromPod = new Set<string>();
    for (const entry of main.env as { name: string; value?: string; valueFrom?: { fieldRef?: unknown } }[]) {
      if (entry.valueFrom?.fieldRef) fromPod.add(entry.name);
      env[entry.name] = entry.valueFrom?.fieldRef
        ? '10.1.2.3'
        : (entry.value ?? '').replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
    }
    expect(env.REPLICA_URL).toBe('http://10.1.2.3:4444');
    for (const name of fromPod) delete env[name];
    for (const name of Object.keys(env)) {
      if (name !== 'GATEHOUSE_CONFIG') expect(SETTING_NAMES, name).toContain(name);
    }
    temp = mkdtempSync(join(tmpdir(), 'gatehouse-chart-'));
    const configFile = join(temp, 'config.yaml');
    writeFileSync(configFile, rendered.byKind('ConfigMap')!.data['config.yaml']);
    const loaded = loadSettings({ env: { ...env, GATEHOUSE_CONFIG: configFile } });
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.settings.host).toBe('0.0.0.0');
    expect(loaded.settings.port).toBe(4444);
    expect(loaded.settings.metricsPort).toBe(9464);
    expect(main.ports).toContainEqual({ name: 'metrics', containerPort: 9464, protocol: 'TCP' });
  });

  it('maps the otel block to OTEL_* variables, its headers into the Secret, and sets none while otel.endpoint is empty', () => {
    const names = (values: Record<string, unknown>) =>
      (container(renderChart(values).byKind('Deployment')!).env as { name: string }[]).map((e) => e.name);
    expect(names(REQUIRED_VALUES).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
    const rendered = renderChart(
      mergeValues(REQUIRED_VALUES, {
        otel: {
          endpoint: 'http://otel-collector.observability:4318',
          resourceAttributes: 'deployment.environment.name=prod',
          headers: 'api-key=tracing-secret',
        },
      }),
    );
    const env = Object.fromEntries(
      (container(rendered.byKind('Deployment')!).env as { name: string; value?: string }[]).map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'gatehouse',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
    });
    expect(secretData(rendered.byKind('Secret')!).OTEL_EXPORTER_OTLP_HEADERS).toBe('api-key=tracing-secret');
    const text = JSON.stringify(rendered.objects.filter((o) => o.kind !== 'Secret'));
    expect(text).not.toContain('tracing-secret');
    const otel = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('OTEL_')));
    const loaded = loadSettings({ env: { ...otel, OTEL_EXPORTER_OTLP_HEADERS: 'api-key=tracing-secret' } });
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
  });
});
