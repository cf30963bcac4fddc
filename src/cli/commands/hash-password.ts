import { createPasswordHasher } from '../../identity/index.ts';
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
  const { settings } = loaded;
  const password = await readPassword('Password to hash: ');
  if (password === null) {
    process.stderr.write('gatehouse: no password given\n');
    return EXIT.usage;
  }
  const hasher = createPasswordHasher({
    memoryCost: settings.argon2idMemoryCost,
    timeCost: settings.argon2idTimeCost,
    parallelism: settings.argon2idParallelism,
    maxConcurrent: 1,
    queueTimeoutMs: 60_000,
  });
  if (Buffer.byteLength(password) > 1024) {
    process.stderr.write('gatehouse: password is longer than 1024 bytes\n');
    return EXIT.usage;
  }
  process.stdout.write(`${await hasher.hash(password)}\n`);
  return EXIT.ok;
}
