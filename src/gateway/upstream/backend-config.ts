import { z } from 'zod';

const NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 9110 §5.6.2 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// RFC 9110 §5.5: no CR, LF or NUL inside a field value (header injection).
const HEADER_VALUE = /^[^\r\n\0]*$/;

// A process argument, environment value or path cannot hold NUL (the OS would refuse it at spawn).
const NO_NUL = /^[^\0]*$/;
const processText = () => z.string().regex(NO_NUL, { error: 'must not contain NUL characters' });

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

const common = {
  name: z.string().regex(NAME, {
    error: 'must be 1-48 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
  }),
  description: z.string().regex(NO_NUL, { error: 'must not contain NUL characters' }).max(500).optional(),
  timeoutMs: z.number().int().min(1).max(600_000).default(60_000),
  connectTimeoutMs: z.number().int().min(1).max(600_000).default(15_000),
  startup: z.enum(['lazy', 'boot']).default('lazy'),
  enabled: z.boolean().default(true),
};

const stdioBackend = z.strictObject({
  ...common,
  transport: z.literal('stdio'),
  command: processText().min(1, { error: 'must name the program to run' }),
  args: z.array(processText()).default([]),
  env: z
    .record(z.string().regex(ENV_NAME, { error: 'must be a valid environment variable name' }), processText())
    .default({}),
  cwd: processText().min(1).optional(),
  isolation: z.enum(['shared', 'per-user', 'per-session']).default('shared'),
});

const remoteFields = {
  ...common,
  url: z.string().refine(isHttpUrl, { error: 'must be an http:// or https:// URL' }),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { error: 'must be a valid HTTP header name' }),
      z.string().regex(HEADER_VALUE, { error: 'must not contain line breaks' }),
    )
    .default({}),
  isolation: z
    .literal('shared', { error: 'per-user and per-session isolation need transport "stdio"' })
    .default('shared'),
};

const httpBackend = z.strictObject({ ...remoteFields, transport: z.literal('http') });
const sseBackend = z.strictObject({ ...remoteFields, transport: z.literal('sse') });

/** Schema of one backend MCP server's configuration; unknown keys are rejected. */
export const backendConfigSchema = z.discriminatedUnion(
  'transport',
  [stdioBackend, httpBackend, sseBackend],
  {
    error: 'must be one of "stdio", "http" or "sse"',
  },
);

/** A validated backend configuration (defaults applied). */
export type BackendConfig = z.output<typeof backendConfigSchema>;

/** What a caller may write: the configuration before defaults are applied. */
export type BackendConfigInput = z.input<typeof backendConfigSchema>;

/** Outcome of {@link parseBackendConfig}: a frozen configuration, or one message per bad field. */
export type BackendConfigResult = { ok: true; config: BackendConfig } | { ok: false; errors: string[] };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String).join('.');
  const prefix = path === '' ? '' : `${path}: `;
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${prefix}${key}: unknown setting`);
  if (issue.code === 'invalid_key') return [`${prefix}${issue.issues[0]?.message ?? issue.message}`];
  return [`${prefix}${issue.message}`];
}

/** Validates untrusted input as a backend configuration; never throws. Messages never quote secret values. */
export function parseBackendConfig(input: unknown): BackendConfigResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: ['a backend configuration must be an object'] };
  }
  const parsed = backendConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: deepFreeze(parsed.data) };
  return { ok: false, errors: parsed.error.issues.flatMap(describeIssue) };
}
