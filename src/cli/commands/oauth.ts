import type { Command } from 'commander';
import { addOAuthClient, createOAuthServer, listOAuthClients, removeOAuthClient } from '../../oauth/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext, withIdentity } from '../identity-session.ts';

type Run = (work: Promise<number>) => void;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `gatehouse oauth clients add|list|remove`: pre-registered OAuth clients, over the same services as the API. */
export function registerOAuthCommands(root: Command, run: Run, globals: () => { config?: string }): void {
  const clients = root
    .command('oauth')
    .description('manage the OAuth authorization server')
    .command('clients')
    .description('manage OAuth clients (works with the server stopped or running)');

  clients
    .command('add')
    .description('register a client and print its client_id (and, with --confidential, its secret once)')
    .requiredOption('--name <name>', 'the name users see on the consent page')
    .requiredOption('--redirect-uri <uri>', 'an allowed redirect URI (repeat for more)', collect, [])
    .option('--confidential', 'give the client a secret (default: a public client using PKCE only)')
    .option('--json', 'print JSON')
    .action((options: { name: string; redirectUri: string[]; confidential?: boolean; json?: boolean }) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const server = await createOAuthServer(identity.settings, identity);
          const { client, clientSecret } = await addOAuthClient(
            identity,
            server,
            {
              clientName: options.name,
              redirectUris: options.redirectUri,
              confidential: options.confidential,
            },
            cliContext(),
          );
          if (options.json) {
            const secret = clientSecret === null ? {} : { client_secret: clientSecret };
            process.stdout.write(`${JSON.stringify({ ...client, ...secret }, null, 2)}\n`);
          } else {
            process.stdout.write(`${client.client_id}\n`);
            if (clientSecret !== null) process.stdout.write(`${clientSecret}\n`);
            process.stderr.write(
              `registered ${client.client_name} (${client.client_id})${clientSecret === null ? '' : '; the secret will not be shown again'}\n`,
            );
          }
          return EXIT.ok;
        }),
      ),
    );

  clients
    .command('list')
    .description('list clients: id, name, redirect URIs, source (never a secret)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const list = await listOAuthClients(identity);
          if (options.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          else
            for (const client of list)
              process.stdout.write(
                `${client.client_id}\t${client.client_name ?? ''}\t${client.source}\t${client.redirect_uris.join(' ')}\n`,
              );
          return EXIT.ok;
        }),
      ),
    );

  clients
    .command('remove <client_id>')
    .description('remove a client and revoke every grant and token issued to it')
    .action((clientId: string) =>
      run(
        withIdentity(globals().config, async (identity) => {
          await removeOAuthClient(identity, clientId, cliContext());
          process.stderr.write(`removed ${clientId}\n`);
          return EXIT.ok;
        }),
      ),
    );
}
