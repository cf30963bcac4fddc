import { PASSWORD_MAX_BYTES, passwordHasherFor } from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { readPassword } from '../password-input.ts';
import { loadSettingsOrReport } from '../settings.ts';

/**
 * `gatehouse hash-password`: prints the Argon2id PHC string of a password read from a hidden
 * prompt or standard input, with the configured parameters, for break-glass SQL.
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
  process.stdout.write(`${await passwordHasherFor(loaded.settings).hash(password)}\n`);
  return EXIT.ok;
}
