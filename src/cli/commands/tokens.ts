import type { Command } from 'commander';
import { createApiKey, getUserByEmail, listApiKeys, revokeApiKey } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext, withIdentity } from '../identity-session.ts';
import { createFileToken, listTokensInFile, revokeFileToken } from './token-file.ts';

type Run = (work: Promise<number>) => void;

interface CreateOptions {
  email?: string;
  name?: string;
  ttlDays?: string;
  admin?: boolean;
  file?: string;
  annotation?: string;
}

function missing(option: string): Promise<number> {
  process.stderr.write(`gatehouse: ${option} is required (or give --file)\n`);
  return Promise.resolve(EXIT.usage);
}

/**
 * `gatehouse tokens create|list|revoke`: API keys in the database, over the same services as the
 * API; with `--file`, tokens of a token file (AUTH_TOKEN_FILE), rewritten atomically.
 */
export function registerTokenCommands(root: Command, run: Run, globals: () => { config?: string }): void {
  const tokens = root
    .command('tokens')
    .description('manage API keys (works with the server stopped or running)');

  tokens
    .command('create')
    .description('create an API key for a user and print it once')
    .option('--email <email>', 'the owner (with --file: the user the token acts as)')
    .option('--name <name>', 'what the key is for (with --file: the token id)')
    .option('--ttl-days <days>', 'expire after this many days')
    .option('--admin', 'let the key open admin routes (the owner must be an admin)')
    .option('--file <path>', 'add the token to this token file instead of the database')
    .option('--annotation <text>', 'with --file: a note shown in listings')
    .action((options: CreateOptions) => {
      const config = globals().config;
      if (options.file) return run(createFileToken(config, options.file, options));
      if (!options.email) return run(missing('--email'));
      if (!options.name) return run(missing('--name'));
      const { email, name } = options;
      return run(
        withIdentity(config, async (identity) => {
          const owner = await getUserByEmail(identity, email);
          const ttlDays = options.ttlDays === undefined ? undefined : Number(options.ttlDays);
          const { key, secret } = await createApiKey(
            identity,
            owner,
            { name, ttlDays, admin: options.admin ?? false },
            cliContext(),
          );
          process.stdout.write(`${secret}\n`);
          process.stderr.write(`created key ${key.id} (${key.prefix}…); it will not be shown again\n`);
          return EXIT.ok;
        }),
      );
    });

  tokens
    .command('list')
    .description('list a user’s keys: id, prefix, name, expiry, state (never the key)')
    .option('--email <email>', 'the owner')
    .option('--file <path>', 'list the tokens of this token file instead')
    .option('--json', 'print JSON')
    .action((options: { email?: string; json?: boolean; file?: string }) => {
      const config = globals().config;
      if (options.file) return run(listTokensInFile(config, options.file, options.json ?? false));
      if (!options.email) return run(missing('--email'));
      const { email } = options;
      return run(
        withIdentity(config, async (identity) => {
          const owner = await getUserByEmail(identity, email);
          const keys = await listApiKeys(identity, owner.id);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
            return EXIT.ok;
          }
          for (const key of keys) {
            process.stdout.write(
              `${key.id}\t${key.prefix}\t${key.name}\t${key.expires_at ?? 'never'}\t${key.state}\n`,
            );
          }
          return EXIT.ok;
        }),
      );
    });

  tokens
    .command('revoke')
    .description('revoke a key by id (with --file: remove a token by id or hash prefix)')
    .argument('<id>')
    .option('--file <path>', 'remove the token from this token file instead')
    .action((id: string, options: { file?: string }) => {
      const config = globals().config;
      if (options.file) return run(revokeFileToken(config, options.file, id));
      return run(
        withIdentity(config, async (identity) => {
          await revokeApiKey(identity, id, cliContext());
          process.stdout.write(`revoked ${id}\n`);
          return EXIT.ok;
        }),
      );
    });
}
