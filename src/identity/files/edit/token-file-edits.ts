import { randomBytes } from 'node:crypto';
import { newApiKey } from '../../keys/key-format.ts';
import { keyExpiry } from '../../keys/manage-keys.ts';
import { sha256Hex } from '../../secrets.ts';
import { AuthFileError } from '../auth-file-error.ts';
import { type FileToken, parseTokenFile } from '../token-file.ts';
import { editYamlFile, readOrEmpty, section } from './yaml-document.ts';

/** A token of the file as listings show it: never the hash in full. */
export interface FileTokenView {
  id: string;
  hash_prefix: string;
  user: string | null;
  annotation: string;
  admin: boolean;
  created_at: string | null;
  expires_at: string | null;
  expired: boolean;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The listing view of a file token at `now`. */
function toView(token: FileToken, now: Date): FileTokenView {
  return {
    id: token.id,
    hash_prefix: token.hash.slice(0, 12),
    user: token.user,
    annotation: token.annotation,
    admin: token.admin,
    created_at: iso(token.createdAt),
    expires_at: iso(token.expiresAt),
    expired: token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime(),
  };
}

/** The tokens of a token file (none when it does not exist); throws AuthFileError when it does not parse. */
export async function listFileTokens(path: string, now = new Date()): Promise<FileTokenView[]> {
  return parseTokenFile(await readOrEmpty(path)).map((token) => toView(token, now));
}

/**
 * Adds a new token to a token file (created 0600 if absent) and returns it: the secret is shown
 * here once, only its SHA-256 goes to the file. The id defaults to `token-<time>-<random>`;
 * `ttlDays` follows the rules of database keys (validation_failed otherwise).
 */
export async function addFileToken(
  path: string,
  input: { id?: string; user?: string; annotation?: string; ttlDays?: number; admin?: boolean },
  now = new Date(),
): Promise<{ id: string; token: string }> {
  const expiresAt = keyExpiry({ ttlDays: input.ttlDays }, now);
  const token = newApiKey();
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const id = input.id ?? `token-${stamp}-${randomBytes(3).toString('hex')}`;
  await editYamlFile(path, parseTokenFile, (doc) => {
    const tokens = section(doc, 'tokens');
    if (tokens.has(id)) throw new AuthFileError(`tokens.${id} already exists`);
    const entry: Record<string, unknown> = {
      hash: sha256Hex(token),
      expires_at: iso(expiresAt),
      annotation: input.annotation ?? '',
      created_at: now.toISOString(),
    };
    if (input.user !== undefined) entry.user = input.user;
    if (input.admin) entry.admin = true;
    tokens.set(id, doc.createNode(entry));
  });
  return { id, token };
}

/**
 * Removes a token by id, or by a hash prefix of at least 8 characters that matches exactly one
 * token (as pgEdge's `-remove-token` does). Returns the id removed, or null when none matched.
 */
export async function removeFileToken(path: string, idOrHashPrefix: string): Promise<string | null> {
  return editYamlFile(path, parseTokenFile, (doc) => {
    const tokens = section(doc, 'tokens');
    const all = parseTokenFile(doc.toString());
    const prefix = idOrHashPrefix.toLowerCase();
    const byHash = prefix.length >= 8 ? all.filter((t) => t.hash.startsWith(prefix)) : [];
    const id = all.some((t) => t.id === idOrHashPrefix)
      ? idOrHashPrefix
      : byHash.length === 1
        ? byHash[0]?.id
        : undefined;
    if (byHash.length > 1 && id === undefined)
      throw new AuthFileError(
        `"${idOrHashPrefix}" matches ${byHash.length} tokens; give more of the hash or the id`,
      );
    if (id === undefined) return null;
    tokens.delete(id);
    return id;
  });
}
