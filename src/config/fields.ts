import { isIP } from 'node:net';
import { z } from 'zod';
import { type BackendConfig, parseBackendConfig } from '../gateway/upstream/backend-config.ts';
import { parseKeyValueList } from './key-value-list.ts';

/**
 * One setting: its environment name, the zod schema that turns a raw value (an environment string
 * or a YAML scalar) into its typed value, its default, and the words used in docs and errors.
 */
export interface SettingSpec<T = unknown> {
  readonly env: string;
  readonly group: string;
  readonly schema: z.ZodType<T>;
  readonly default: T | undefined;
  /** What is allowed, completing "NAME must be …" in an error message. */
  readonly allowed: string;
  readonly doc: string;
  /** Whole value is secret: never printed. */
  readonly secret?: boolean;
  /** A URL whose password part is secret. */
  readonly secretUrl?: boolean;
}

type Options<T> = Omit<SettingSpec<T>, 'schema' | 'allowed' | 'default'> & { default?: T; allowed?: string };

/** A spec whose `default` type records whether a default was given, so `Settings` knows what may be unset. */
export type Built<T, O> = SettingSpec<T> &
  (O extends { default: unknown } ? { readonly default: T } : { readonly default: undefined });

function build<T, O extends Options<T>>(options: O, schema: z.ZodType<T>, allowed: string): Built<T, O> {
  return { ...options, schema, default: options.default, allowed: options.allowed ?? allowed } as Built<T, O>;
}

/** An integer in [min, max], from a number or a decimal string. */
export function integer<O extends Options<number>>(min: number, max: number, options: O): Built<number, O> {
  const schema = z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^[+-]?\d+$/)
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));
  return build(options, schema, `an integer ${min}-${max}`);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** A boolean, from a YAML boolean or one of true/false/1/0/yes/no/on/off (any case). */
export function boolean<O extends Options<boolean>>(options: O): Built<boolean, O> {
  const schema = z.union([
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((word) => TRUE_WORDS.has(word) || FALSE_WORDS.has(word))
      .transform((word) => TRUE_WORDS.has(word)),
  ]);
  return build(options, schema, 'true or false');
}

/** A non-empty string of at most `max` characters (and at least `min`). */
export function text<O extends Options<string> & { min?: number; max?: number }>(
  options: O,
): Built<string, O> {
  const { min = 1, max = 4096, ...rest } = options;
  const schema = z.string().trim().min(min).max(max);
  return build(
    rest,
    schema,
    min > 1 ? `a string of at least ${min} characters` : 'a non-empty string',
  ) as Built<string, O>;
}

/** One of a fixed list of words. */
export function oneOf<const W extends readonly [string, ...string[]], O extends Options<W[number]>>(
  words: W,
  options: O,
): Built<W[number], O> {
  const schema = z.string().trim().pipe(z.enum(words)) as z.ZodType<W[number]>;
  return build(options, schema, `one of ${words.join(', ')}`);
}

/** An absolute URL whose scheme is one of `protocols` (without the colon). */
export function url<O extends Options<string>>(protocols: readonly string[], options: O): Built<string, O> {
  const schema = z
    .string()
    .trim()
    .refine((value) => {
      if (!URL.canParse(value)) return false;
      return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
    });
  return build(options, schema, `a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`);
}

/**
 * OpenTelemetry's `key1=value1,key2=value2` list (values percent-encoded; see parseKeyValueList),
 * kept as the text given: readers parse it with parseKeyValueList.
 */
export function keyValueList<O extends Options<string>>(options: O): Built<string, O> {
  const schema = z
    .string()
    .trim()
    .refine((value) => parseKeyValueList(value) !== null);
  return build(options, schema, 'a comma-separated list of key=value pairs (values URL-encoded)');
}

/** An e-mail address. */
export function email<O extends Options<string>>(options: O): Built<string, O> {
  return build(options, z.string().trim().pipe(z.email()), 'an e-mail address');
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...extra] = entry.split('/');
  if (extra.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** A list from a YAML list or a comma-separated string, each entry trimmed and checked by `valid`. */
function commaList(valid: (entry: string) => boolean): z.ZodType<string[]> {
  const entries = z.union([
    z.array(z.string()),
    z.string().transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  ]);
  return entries.pipe(z.array(z.string().trim().refine(valid))) as unknown as z.ZodType<string[]>;
}

/** A list of IP addresses or CIDR ranges: a comma-separated string or a YAML list. */
export function addressList<O extends Options<string[]>>(options: O): Built<string[], O> {
  const schema = commaList(isAddressOrCidr);
  return build(options, schema, 'a comma-separated list of IP addresses or CIDR ranges');
}

function isOrigin(entry: string): boolean {
  if (!URL.canParse(entry)) return false;
  const url = new URL(entry);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry;
}

/** A list of web origins (`https://app.example.com`): a comma-separated string or a YAML list. */
export function originList<O extends Options<string[]>>(options: O): Built<string[], O> {
  const schema = commaList(isOrigin);
  return build(options, schema, 'a comma-separated list of origins such as https://app.example.com');
}

/** A list of URL prefixes (`https://app.example.com/callback`): a comma-separated string or a YAML list. */
export function urlPrefixList<O extends Options<string[]>>(options: O): Built<string[], O> {
  const schema = commaList((entry) => URL.canParse(entry) && !entry.includes('#'));
  return build(options, schema, 'a comma-separated list of absolute URLs');
}

/** The metadata of one pre-registered OAuth client (checked in full by the authorization server). */
export interface OAuthClientEntry {
  client_id: string;
  redirect_uris: string[];
  [metadata: string]: unknown;
}

/** A list of OAuth client metadata objects: a YAML list in the config file, or JSON text in the environment. */
export function oauthClientList<O extends Options<OAuthClientEntry[]>>(
  options: O,
): Built<OAuthClientEntry[], O> {
  const entry = z.looseObject({
    client_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
    redirect_uris: z.array(z.string().refine((uri) => URL.canParse(uri))).min(1),
  });
  const schema = z
    .union([
      z.array(z.unknown()),
      z.string().transform((value, ctx) => {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON' });
          return z.NEVER;
        }
      }),
    ])
    .pipe(z.array(entry));
  return build(
    options,
    schema as unknown as z.ZodType<OAuthClientEntry[]>,
    'a list of OAuth client metadata objects, each with client_id and redirect_uris',
  );
}

/**
 * A list of backend MCP servers: a YAML list in the config file, or JSON text in the environment.
 * Each entry is checked against the gateway's backend schema; names must be unique.
 */
export function backendList<O extends Options<BackendConfig[]>>(options: O): Built<BackendConfig[], O> {
  const raw = z.union([
    z.array(z.unknown()),
    z.string().transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    }),
  ]);
  const schema = raw.transform((list, ctx) => {
    if (!Array.isArray(list)) {
      ctx.addIssue({ code: 'custom', message: 'not a list' });
      return z.NEVER;
    }
    const configs: BackendConfig[] = [];
    for (const [index, entry] of list.entries()) {
      const parsed = parseBackendConfig(entry);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `entry ${index}: ${parsed.errors.join('; ')}` });
        return z.NEVER;
      }
      if (configs.some((c) => c.name === parsed.config.name)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${index}: the name ${parsed.config.name} is used twice`,
        });
        return z.NEVER;
      }
      configs.push(parsed.config);
    }
    return configs;
  });
  return build(
    options,
    schema as unknown as z.ZodType<BackendConfig[]>,
    'a list of backends (see docs/gateway.md)',
  );
}

/** A database URL: `sqlite:PATH`, `sqlite::memory:` or `postgres(ql)://…`. */
export function databaseUrl<O extends Options<string>>(options: O): Built<string, O> {
  const schema = z
    .string()
    .trim()
    .refine((value) => {
      if (/^sqlite:.+/.test(value)) return true;
      if (!/^postgres(ql)?:\/\//.test(value) || !URL.canParse(value)) return false;
      const parsed = new URL(value);
      return parsed.host !== '' || parsed.pathname.length > 1;
    });
  return build(options, schema, 'sqlite:PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB');
}
