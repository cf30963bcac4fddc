import {
  addFileUser,
  type FilePasswords,
  listFileUsers,
  passwordHasherFor,
  passwordPolicyFor,
  removeFileUser,
  setFileUserEnabled,
  setFileUserPassword,
} from '../../identity/index.ts';
import type { Settings } from '../../config/index.ts';
import { EXIT } from '../exit-codes.ts';
import { withSettingsOnly } from '../identity-session.ts';

const passwordsFor = (settings: Settings): FilePasswords => ({
  hasher: passwordHasherFor(settings),
  policy: passwordPolicyFor(settings),
});

/** `users add --file`: adds a user with an Argon2id hash of a password that passed the policy. */
export function addUserToFile(
  config: string | undefined,
  path: string,
  input: { username: string; password: string; email?: string; isAdmin?: boolean; annotation?: string },
): Promise<number> {
  return withSettingsOnly(config, async (settings) => {
    await addFileUser(path, input, passwordsFor(settings));
    process.stdout.write(`added ${input.username} to ${path}\n`);
    return EXIT.ok;
  });
}

/** `users list --file`: username, e-mail, flags, annotation (never the hash). */
export function listUsersInFile(config: string | undefined, path: string, json: boolean): Promise<number> {
  return withSettingsOnly(config, async () => {
    const users = await listFileUsers(path);
    if (json) process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
    for (const u of json ? [] : users) {
      const flags = [u.isAdmin && 'admin', !u.enabled && 'disabled'].filter(Boolean).join(',') || '-';
      process.stdout.write(`${u.username}\t${u.email}\t${flags}\t${u.annotation}\n`);
    }
    return EXIT.ok;
  });
}

/** `users enable|disable --file`. */
export function setUserEnabledInFile(
  config: string | undefined,
  path: string,
  username: string,
  enabled: boolean,
): Promise<number> {
  return withSettingsOnly(config, async () => {
    await setFileUserEnabled(path, username, enabled);
    process.stdout.write(`${enabled ? 'enabled' : 'disabled'} ${username} in ${path}\n`);
    return EXIT.ok;
  });
}

/** `users set-password --file`. */
export function setUserPasswordInFile(
  config: string | undefined,
  path: string,
  username: string,
  password: string,
): Promise<number> {
  return withSettingsOnly(config, async (settings) => {
    await setFileUserPassword(path, username, password, passwordsFor(settings));
    process.stdout.write(`set the password of ${username} in ${path}\n`);
    return EXIT.ok;
  });
}

/** `users delete --file`. */
export function removeUserFromFile(
  config: string | undefined,
  path: string,
  username: string,
): Promise<number> {
  return withSettingsOnly(config, async () => {
    if (!(await removeFileUser(path, username))) {
      process.stderr.write(`gatehouse: no user "${username}" in ${path}\n`);
      return EXIT.failure;
    }
    process.stdout.write(`removed ${username} from ${path}\n`);
    return EXIT.ok;
  });
}
