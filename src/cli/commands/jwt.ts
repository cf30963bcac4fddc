import type { Command } from 'commander';
import { decodeTokenUnverified, issueTokenForEmail } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { withIdentity } from '../identity-session.ts';

type Run = (work: Promise<number>) => void;

/** `gatehouse jwt create|decode`: mint an access token for a user, or inspect one. */
export function registerJwtCommands(root: Command, run: Run, globals: () => { config?: string }): void {
  const jwt = root.command('jwt').description('create or inspect access tokens');

  jwt
    .command('create')
    .description('print an access token for a user (signed with the server’s key)')
    .requiredOption('--email <email>', 'the user')
    .option('--exp <minutes>', 'lifetime in minutes (default TOKEN_EXPIRY_MINUTES)')
    .action((options: { email: string; exp?: string }) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const minutes =
            options.exp === undefined ? identity.settings.tokenExpiryMinutes : Number(options.exp);
          if (!Number.isInteger(minutes) || minutes < 1 || minutes > 525_600) {
            process.stderr.write('gatehouse: --exp must be a whole number of minutes, 1-525600\n');
            return EXIT.usage;
          }
          const issued = await issueTokenForEmail(identity, options.email, minutes * 60);
          if (!issued) {
            process.stderr.write(`gatehouse: no user ${options.email}\n`);
            return EXIT.failure;
          }
          process.stdout.write(`${issued.token}\n`);
          return EXIT.ok;
        }),
      ),
    );

  jwt
    .command('decode')
    .description('print a token’s header and claims, and whether this server accepts its signature')
    .argument('<token>')
    .action((token: string) =>
      run(
        withIdentity(globals().config, async (identity) => {
          const decoded = decodeTokenUnverified(token);
          if (!decoded) {
            process.stderr.write('gatehouse: not a JWT\n');
            return EXIT.failure;
          }
          const verified = await identity.signer.verify(token);
          process.stdout.write(
            `${JSON.stringify({ ...decoded, signature_valid: verified !== null }, null, 2)}\n`,
          );
          return EXIT.ok;
        }),
      ),
    );
}
