import { createHash } from 'node:crypto';

/**
 * How the aggregated endpoint puts the backend into tool and prompt names: `always` prefixes
 * every name; `conditional` prefixes a name only when two or more of the identity's visible
 * backends offer it; `never` keeps names bare and drops the later owners of a shared name.
 */
export type PrefixMode = 'always' | 'conditional' | 'never';

/** The prefix modes, in the order documentation lists them. */
export const PREFIX_MODES: readonly PrefixMode[] = Object.freeze(['always', 'conditional', 'never']);

/** The separator between backend and name when none is configured. */
export const DEFAULT_SEPARATOR = '__';

/** The longest exposed tool or prompt name: the limit the Claude and OpenAI APIs put on tool names. */
export const MAX_EXPOSED_NAME_LENGTH = 64;

/** Length of the SHA-256 hex suffix that marks a shortened or rewritten name. */
export const NAME_HASH_LENGTH = 8;

const EXPOSED_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// With the u flag a negated class consumes a whole code point, so an emoji becomes one `_`.
const OUTSIDE_NAME_SET = /[^A-Za-z0-9_.-]/gu;
// No dot: the Anthropic and OpenAI tool-name pattern ^[a-zA-Z0-9_-]{1,64}$ refuses one, so the
// gateway never adds a dot of its own, whatever dots backends put into their names.
const SEPARATOR = /^[_-]{1,4}$/;
const HEAD_LENGTH = MAX_EXPOSED_NAME_LENGTH - 1 - NAME_HASH_LENGTH;
const CACHE_LIMIT = 4096;
const rewritten = new Map<string, string>();

/** True for a string of 1 to 4 characters, each `_` or `-`; false for anything else. */
export function isValidSeparator(value: unknown): value is string {
  return typeof value === 'string' && SEPARATOR.test(value);
}

/** True for `'always'`, `'conditional'` or `'never'`; false for anything else. */
export function isPrefixMode(value: unknown): value is PrefixMode {
  return typeof value === 'string' && (PREFIX_MODES as readonly string[]).includes(value);
}

/** True when `value` is a string of 1 to 64 characters from `[A-Za-z0-9_.-]`; false otherwise. */
export function isExposedName(value: unknown): value is string {
  return typeof value === 'string' && EXPOSED_NAME.test(value);
}

/**
 * The name a client sees for `full`, the unshortened name (`backend + separator + name` when
 * prefixed, else the backend's name). A `full` that already matches `^[A-Za-z0-9_.-]{1,64}$`
 * is returned unchanged. Otherwise every code point outside that set becomes `_`, the result
 * is cut to its first 55 characters, and `_` plus the first 8 lowercase hex digits of the
 * SHA-256 of `full` (UTF-8) is appended: at most 64 characters, and two different originals
 * differ unless their 32-bit hashes collide, which the catalog detects and reports. The empty
 * string becomes `_` plus its hash. Throws TypeError when `full` is not a string.
 */
export function exposedName(full: string): string {
  if (typeof full !== 'string') throw new TypeError('name must be a string');
  if (EXPOSED_NAME.test(full)) return full;
  const cached = rewritten.get(full);
  if (cached !== undefined) return cached;
  const head = full.replace(OUTSIDE_NAME_SET, '_').slice(0, HEAD_LENGTH);
  const hash = createHash('sha256').update(full, 'utf8').digest('hex').slice(0, NAME_HASH_LENGTH);
  const name = `${head}_${hash}`;
  if (rewritten.size >= CACHE_LIMIT) rewritten.delete(rewritten.keys().next().value as string);
  rewritten.set(full, name);
  return name;
}
