import { generatePassword, recoverAdmin } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext, withIdentity } from '../identity-session.ts';
import { readPassword } from '../password-input.ts';

/**
 * `gatehouse recover-admin --email E`: break-glass recovery when every admin is locked out. Sets
 * the password (prompt, stdin, --password, or --generate), unlocks, re-enables, makes admin,
 * clears the forced change and audits it. Works with the server stopped or running.
 */
export function recoverAdminCommand(options: {
  config?: string;
  email: string;
  password?: string;
  generate?: boolean;
}): Promise<number> {
  return withIdentity(options.config, async (identity) => {
    const password = options.generate
      ? generatePassword()
      : (options.password ?? (await readPassword('New admin password: ')));
    if (password === null) {
      process.stderr.write('gatehouse: no password given\n');
      return EXIT.usage;
    }
    const outcome = await recoverAdmin(identity, options.email, password, cliContext());
    process.stdout.write(`${outcome.created ? 'created' : 'recovered'} admin ${outcome.email}\n`);
    if (options.generate) process.stdout.write(`password: ${password}\n`);
    return EXIT.ok;
  });
}
