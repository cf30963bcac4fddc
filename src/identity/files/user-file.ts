import { z } from 'zod';
import type { AccessPolicy } from '../access/index.ts';
import { canonicalEmail, canonicalUsername } from '../canonical.ts';
import { isPasswordHash } from '../passwords/index.ts';
import { AuthFileError } from './auth-file-error.ts';
import { accessFields, accessOf, annotation, dateTime } from './fields.ts';
import { parseEntry, yamlEntries } from './yaml-entries.ts';

/** The domain of the address given to a file user without `email`: reserved, never mailed (RFC 2606). */
export const FILE_USER_EMAIL_DOMAIN = 'users.invalid';

/** One user of AUTH_USER_FILE, canonical and validated. */
export interface FileUser {
  username: string;
  email: string;
  /** Argon2id PHC string or bcrypt hash, as in the file. */
  passwordHash: string;
  enabled: boolean;
  isAdmin: boolean;
  fullName: string | null;
  annotation: string;
  /** MCP access; null: every backend (the database default). */
  access: AccessPolicy | null;
}

// pgEdge's fields (username, password_hash, created_at, last_login, enabled, annotation) plus
// Gatehouse's own (email, full_name, is_admin and the access fields).
const userEntry = z.strictObject({
  username: z.string().optional(),
  password_hash: z.string().refine(isPasswordHash, {
    message: 'must be an Argon2id (or Argon2i/d) PHC string or a bcrypt hash',
  }),
  created_at: dateTime,
  last_login: dateTime,
  enabled: z.boolean().optional(),
  annotation,
  email: z.string().optional(),
  full_name: z.union([z.string().max(200), z.null()]).optional(),
  is_admin: z.boolean().optional(),
  ...accessFields,
});

function addressOf(username: string, email: string | undefined, where: string): string {
  if (email !== undefined) {
    const canonical = canonicalEmail(email);
    if (!canonical) throw new AuthFileError(`${where}.email: must be an e-mail address`);
    return canonical;
  }
  return canonicalEmail(username) ?? `${username.replaceAll('@', '.')}@${FILE_USER_EMAIL_DOMAIN}`;
}

/**
 * The users of a user file (`users: {<name>: {username, password_hash, enabled, annotation, …}}`,
 * as pgEdge writes it). `enabled` defaults to true. A user without `email` gets
 * `<username>@users.invalid`, which is never mailed. Throws AuthFileError for broken YAML, a bad
 * field, a `username` that differs from its key, or two entries with one username or address.
 */
export function parseUserFile(text: string): FileUser[] {
  const users: FileUser[] = [];
  const seen = new Map<string, string>();
  for (const [key, raw] of yamlEntries(text, 'users')) {
    const where = `users.${key}`;
    const entry = parseEntry(userEntry, raw, where);
    const username = canonicalUsername(key);
    if (!username) throw new AuthFileError(`${where}: the name must be 1-128 letters, digits or . _ @ + -`);
    if (entry.username !== undefined && canonicalUsername(entry.username) !== username)
      throw new AuthFileError(`${where}.username: differs from the entry's name`);
    const access = accessOf(entry);
    if (access === 'invalid')
      throw new AuthFileError(`${where}: invalid allowed_mcps, blocked_mcps or tool_rules`);
    const email = addressOf(username, entry.email, where);
    for (const name of new Set([username, email])) {
      const other = seen.get(name);
      if (other !== undefined) throw new AuthFileError(`${where}: "${name}" is also used by users.${other}`);
      seen.set(name, key);
    }
    users.push({
      username,
      email,
      passwordHash: entry.password_hash,
      enabled: entry.enabled ?? true,
      isAdmin: entry.is_admin ?? false,
      fullName: entry.full_name?.trim() || null,
      annotation: entry.annotation,
      access,
    });
  }
  return users;
}
