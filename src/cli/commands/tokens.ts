import type { Command } from 'commander';
import { createApiKey, getUserByEmail, listApiKeys, revokeApiKey } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext, withIdentity } from '../identity-session.ts';

type Run = (work: Promise<number>) => void;

/** `gatehouse tokens create|list|revoke`: API keys in the database, over the same services as the API. */
export function registerTokenCommands(root: Command, run: Run, globals: () => { config?: string }): void {
  const tokens = root
    .command('tokens')
    .description('manage API keys (works with the server stopped or running)');

  tokens
    .command('create')
    .description('create an API key for a user and print it once')
    .requiredOption('--email <email>', 'the owner')
    .requiredOption('--name <name>', 'what the key is for')
    .option('--ttl-days <days>', 'expire after this many days')
    .option('--admin', 'let the key open admin routes (the owner must be an admin)')
    .action((options: { email: string; name: string; ttlDays?: string; admin?: boolean }) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const owner = await getUserByEmail(identity, options.email);
          const ttlDays = options.ttlDays === undefined ? undefined : Number(options.ttlDays);
          const { key, secret } = await createApiKey(
            identity,
            owner,
            { name: options.name, ttlDays, admin: options.admin ?? false },
            cliContext(),
          );
          process.stdout.write(`${secret}\n`);
          process.stderr.write(`created key ${key.id} (${key.prefix}…); it will not be shown again\n`);
          return EXIT.ok;
        }),
      ),
    );

  tokens
    .command('list')
    .description('list a user’s keys: id, prefix, name, expiry, state (never the key)')
    .requiredOption('--email <email>', 'the owner')
    .option('--json', 'print JSON')
    .action((options: { email: string; json?: boolean }) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const owner = await getUserByEmail(identity, options.email);
          const keys = await listApiKeys(identity, owner.id);
          if (options.json) {
            process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
            return EXIT.ok;
          }
          for (const key of keys) {
            process.stdout.write(`${key.id}	${key.prefix}	${key.name}	${key.expires_at ?? 'never'}	${key.state}
`);
          }
          return EXIT.ok;
        }),
      ),
    );

  tokens
    .command('revoke')
    .description('revoke a key by id')
    .argument('<id>')
    .action((id: string) =>
      run(
        withIdentity(globals().config, async (identity) => {
          await revokeApiKey(identity, id, cliContext());
          process.stdout.write(`revoked ${id}\n`);
          return EXIT.ok;
        }),
      ),
    );
}
