import { z } from 'zod';
import type { AccessPolicy } from '../access/index.ts';
import { AuthFileError } from './auth-file-error.ts';
import { accessFields, accessOf, annotation, dateTime } from './fields.ts';
import { parseEntry, yamlEntries } from './yaml-entries.ts';

/** One API token of AUTH_TOKEN_FILE: only the SHA-256 of the secret is in the file. */
export interface FileToken {
  id: string;
  /** SHA-256 of the token, lower-case hex. */
  hash: string;
  expiresAt: Date | null;
  annotation: string;
  createdAt: Date | null;
  /** The user (e-mail or username) the token acts as; null: AUTH_TOKEN_FILE_DEFAULT_USER, if set. */
  user: string | null;
  /** May open admin routes (only if its user is an admin). */
  admin: boolean;
  /** Narrows the user's MCP access; null: the user's access as is. */
  scope: AccessPolicy | null;
}

const TOKEN_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

// pgEdge's fields (hash, expires_at, annotation, created_at) plus Gatehouse's own (user, admin, scope).
const tokenEntry = z.strictObject({
  hash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be the SHA-256 of the token: 64 hex characters' }),
  expires_at: dateTime,
  annotation,
  created_at: dateTime,
  user: z.string().min(1).max(254).optional(),
  admin: z.boolean().optional(),
  ...accessFields,
});

/**
 * The tokens of a token file (`tokens: {<id>: {hash, expires_at, annotation, created_at}}`, as
 * pgEdge writes it, optionally with `user`, `admin` and the access fields). Throws AuthFileError
 * for broken YAML, a bad field, an id outside `[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}`, or two ids
 * with the same hash.
 */
export function parseTokenFile(text: string): FileToken[] {
  const tokens: FileToken[] = [];
  const ids = new Map<string, string>();
  for (const [id, raw] of yamlEntries(text, 'tokens')) {
    const where = `tokens.${id}`;
    if (!TOKEN_ID.test(id))
      throw new AuthFileError(`${where}: the id must be 1-128 letters, digits or . _ @ + -`);
    const entry = parseEntry(tokenEntry, raw, where);
    const scope = accessOf(entry);
    if (scope === 'invalid')
      throw new AuthFileError(`${where}: invalid allowed_mcps, blocked_mcps or tool_rules`);
    const hash = entry.hash.toLowerCase();
    const twin = ids.get(hash);
    if (twin !== undefined) throw new AuthFileError(`${where}: same hash as tokens.${twin}`);
    ids.set(hash, id);
    tokens.push({
      id,
      hash,
      expiresAt: entry.expires_at,
      annotation: entry.annotation,
      createdAt: entry.created_at,
      user: entry.user ?? null,
      admin: entry.admin ?? false,
      scope,
    });
  }
  return tokens;
}
