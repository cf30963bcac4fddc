import { PASSWORD_MAX_BYTES, passwordHasherFor, passwordPolicyFor } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { readPassword } from '../password-input.ts';
import { loadSettingsOrReport } from '../settings.ts';

/**
 * `gatehouse hash-password`: prints the Argon2id PHC string of a password read from a hidden
 * prompt or standard input, with the configured parameters, for break-glass SQL. A password the
 * policy refuses is still hashed (recovery must not be blocked), with a warning on stderr.
 */
export async function hashPassword(options: { config?: string }): Promise<number> {
  const loaded = loadSettingsOrReport(options.config);
  if (loaded === null) return EXIT.usage;
  const password = await readPassword('Password to hash: ');
  if (password === null) {
    process.stderr.write('gatehouse: no password given\n');
    return EXIT.usage;
  }
  if (Buffer.byteLength(password) > PASSWORD_MAX_BYTES) {
    process.stderr.write(`gatehouse: password is longer than ${PASSWORD_MAX_BYTES} bytes\n`);
    return EXIT.usage;
  }
  const violations = passwordPolicyFor(loaded.settings).check(password);
  if (violations.length > 0)
    process.stderr.write(
      `gatehouse: warning: this password breaks the password policy (${violations.join('; ')}); ` +
        'its hash is printed anyway, for break-glass use: change the password after signing in\n',
    );
  process.stdout.write(`${await passwordHasherFor(loaded.settings).hash(password)}\n`);
  return EXIT.ok;
}
