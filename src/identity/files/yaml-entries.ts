import { parse } from 'yaml';
import type { z } from 'zod';
import { AuthFileError } from './auth-file-error.ts';

/** Largest token or user file read, in bytes: far beyond any real one, and bounds the parse. */
export const AUTH_FILE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The entries under `rootKey` of a YAML file (`tokens:` or `users:`), by name. An empty file or an
 * empty section gives no entries. Throws AuthFileError for broken YAML, duplicate keys, aliases
 * beyond a small budget, other top-level keys, or a section that is not a mapping.
 */
export function yamlEntries(text: string, rootKey: string): Map<string, unknown> {
  if (Buffer.byteLength(text, 'utf8') > AUTH_FILE_MAX_BYTES)
    throw new AuthFileError(`file is larger than ${AUTH_FILE_MAX_BYTES} bytes`);
  let root: unknown;
  try {
    // uniqueKeys: a duplicated name must not silently win; maxAliasCount bounds "billion laughs".
    root = parse(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: false });
  } catch (error) {
    throw new AuthFileError(`invalid YAML: ${firstLine((error as Error).message)}`);
  }
  if (root === null || root === undefined) return new Map();
  if (!isPlainObject(root)) throw new AuthFileError(`the file must be a mapping with a "${rootKey}:" key`);
  const unknown = Object.keys(root).filter((key) => key !== rootKey);
  if (unknown.length > 0) throw new AuthFileError(`unknown top-level key "${unknown[0]}"`);
  const section = root[rootKey];
  if (section === null || section === undefined) return new Map();
  if (!isPlainObject(section)) throw new AuthFileError(`"${rootKey}" must be a mapping of names to entries`);
  return new Map(Object.entries(section));
}

/**
 * Validates one entry against `schema`; throws AuthFileError naming the first bad field, e.g.
 * `tokens.ci.hash: must be …`.
 */
export function parseEntry<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new AuthFileError(`${where}: invalid entry`);
  if (issue.code === 'unrecognized_keys')
    throw new AuthFileError(`${where}: unknown field "${issue.keys[0]}"`);
  const path = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
  throw new AuthFileError(`${where}${path}: ${issue.message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
