import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { SettingSpec } from './fields.ts';
import { describeRaw } from './redact.ts';
import { crossChecks } from './rules.ts';
import { SETTING_SPECS, type SettingKey } from './settings-spec.ts';

type Specs = typeof SETTING_SPECS;
type Value<K extends SettingKey> = z.output<Specs[K]['schema']>;

/** The validated, frozen settings of one process. */
export type Settings = Readonly<
  { [K in SettingKey]: Specs[K]['default'] extends undefined ? Value<K> | undefined : Value<K> } & {
    /** PUBLIC_BASE_URL, or http://HOST:PORT when unset. */
    publicBaseUrl: string;
    /** REPLICA_URL, or http://HOST:PORT (the machine's host name for a wildcard HOST) when unset. */
    replicaUrl: string;
  }
>;

/** Where each effective value came from. */
export type SettingSource = 'default' | 'env' | 'file';

export type LoadResult =
  | { ok: true; settings: Settings; sources: Record<SettingKey, SettingSource>; warnings: string[] }
  | { ok: false; errors: string[] };

const KEYS = Object.keys(SETTING_SPECS) as SettingKey[];
const specOf = (key: SettingKey): SettingSpec => SETTING_SPECS[key] as SettingSpec;
const KEY_BY_FILE_NAME = new Map(KEYS.map((key) => [specOf(key).env.toLowerCase(), key]));

/** The one schema of all settings: unknown keys are refused. */
export const settingsSchema = z
  .object(
    Object.fromEntries(
      KEYS.map((key) => {
        const spec = specOf(key);
        return [key, spec.default === undefined ? spec.schema.optional() : spec.schema.default(spec.default)];
      }),
    ),
  )
  .strict();

interface RawInput {
  values: Record<string, unknown>;
  sources: Partial<Record<string, SettingSource>>;
}

function readFile(path: string, into: RawInput): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return [`Cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`];
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return [`Config file ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  if (document === null || document === undefined) return [];
  if (typeof document !== 'object' || Array.isArray(document)) {
    return [`Config file ${path} must be a mapping of setting names to values`];
  }
  for (const [name, value] of Object.entries(document)) {
    const key = KEY_BY_FILE_NAME.get(name.toLowerCase()) ?? name;
    into.values[key] = value === null ? undefined : value;
    into.sources[key] = 'file';
  }
  return [];
}

function readEnv(env: NodeJS.ProcessEnv, into: RawInput): void {
  for (const key of KEYS) {
    const value = env[specOf(key).env];
    // An empty variable counts as unset, as docker-compose and .env files write unset values.
    if (value === undefined || value.trim() === '') continue;
    into.values[key] = value;
    into.sources[key] = 'env';
  }
}

function describeIssues(error: z.ZodError, input: RawInput, configFile: string | undefined): string[] {
  const messages = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const name of issue.keys) messages.add(`Unknown setting "${name}" in config file ${configFile}`);
      continue;
    }
    const key = issue.path[0] as SettingKey;
    const spec = specOf(key);
    const from = input.sources[key] === 'file' ? ` (in config file ${configFile})` : '';
    // Custom checks (such as each backend's fields) say which part is wrong, never quoting a secret.
    const why =
      issue.code === 'custom' && issue.message && issue.message !== 'Invalid input'
        ? `: ${issue.message}`
        : '';
    messages.add(
      `${spec.env} must be ${spec.allowed}, got ${describeRaw(spec, input.values[key])}${from}${why}`,
    );
  }
  return [...messages];
}

/**
 * Reads settings from the environment and an optional YAML file (environment wins), validates them
 * against the one schema and freezes them. Returns every error at once instead of throwing.
 */
export function loadSettings(options: { env?: NodeJS.ProcessEnv; configFile?: string } = {}): LoadResult {
  const env = options.env ?? process.env;
  const configFile = options.configFile ?? (env.GATEHOUSE_CONFIG?.trim() || undefined);
  const input: RawInput = { values: {}, sources: {} };
  if (configFile !== undefined) {
    const fileErrors = readFile(configFile, input);
    if (fileErrors.length > 0) return { ok: false, errors: fileErrors };
  }
  readEnv(env, input);

  const parsed = settingsSchema.safeParse(input.values);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error, input, configFile) };

  const data = parsed.data as Record<SettingKey, unknown>;
  const settings = Object.freeze({
    ...data,
    publicBaseUrl:
      (data.publicBaseUrl as string | undefined) ?? `http://${hostForUrl(data.host as string)}:${data.port}`,
    replicaUrl: (
      (data.replicaUrl as string | undefined) ?? replicaAddress(data.host as string, data.port as number)
    ).replace(/\/+$/, ''),
    trustedProxies: Object.freeze(data.trustedProxies as string[]),
  }) as unknown as Settings;
  const { errors, warnings } = crossChecks(settings);
  if (errors.length > 0) return { ok: false, errors };
  const sources = Object.fromEntries(KEYS.map((key) => [key, input.sources[key] ?? 'default'])) as Record<
    SettingKey,
    SettingSource
  >;
  return { ok: true, settings, sources, warnings };
}

/** Where other replicas reach one bound to `host`: a wildcard address names no host, the host name does. */
function replicaAddress(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? hostname() : hostForUrl(host);
  return `http://${name}:${port}`;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
