import { addFileToken, listFileTokens, removeFileToken } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { withSettingsOnly } from '../identity-session.ts';

/** `tokens create --file`: adds a token to AUTH_TOKEN_FILE's format and prints the secret once. */
export function createFileToken(
  config: string | undefined,
  path: string,
  options: { name?: string; email?: string; annotation?: string; ttlDays?: string; admin?: boolean },
): Promise<number> {
  return withSettingsOnly(config, async () => {
    const { id, token } = await addFileToken(path, {
      id: options.name,
      user: options.email,
      annotation: options.annotation,
      ttlDays: options.ttlDays === undefined ? undefined : Number(options.ttlDays),
      admin: options.admin,
    });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`added token ${id} to ${path}; it will not be shown again\n`);
    return EXIT.ok;
  });
}

/** `tokens list --file`: id, hash prefix, user, expiry, annotation (never the hash in full). */
export function listTokensInFile(config: string | undefined, path: string, json: boolean): Promise<number> {
  return withSettingsOnly(config, async () => {
    const tokens = await listFileTokens(path);
    if (json) process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
    for (const t of json ? [] : tokens) {
      const expiry = t.expired ? 'expired' : (t.expires_at ?? 'never');
      process.stdout.write(`${t.id}\t${t.hash_prefix}\t${t.user ?? '-'}\t${expiry}\t${t.annotation}\n`);
    }
    return EXIT.ok;
  });
}

/** `tokens revoke --file`: removes a token by id or hash prefix (8+ characters). */
export function revokeFileToken(config: string | undefined, path: string, which: string): Promise<number> {
  return withSettingsOnly(config, async () => {
    const removed = await removeFileToken(path, which);
    if (removed === null) {
      process.stderr.write(`gatehouse: no token "${which}" in ${path}\n`);
      return EXIT.failure;
    }
    process.stdout.write(`removed ${removed} from ${path}\n`);
    return EXIT.ok;
  });
}
