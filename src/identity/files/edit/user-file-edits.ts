import { type Document, isMap, isScalar, type Pair } from 'yaml';
import { AppError } from '../../../errors/index.ts';
import { canonicalUsername } from '../../canonical.ts';
import type { PasswordHasher, PasswordPolicy } from '../../passwords/index.ts';
import { AuthFileError } from '../auth-file-error.ts';
import { type FileUser, parseUserFile } from '../user-file.ts';
import { editYamlFile, readOrEmpty, section } from './yaml-document.ts';

/** What hashing a new password for a file user needs. */
export interface FilePasswords {
  hasher: PasswordHasher;
  policy: PasswordPolicy;
}

/** A user of the file as listings show it: never the hash. */
export type FileUserView = Omit<FileUser, 'passwordHash'>;

/** The users of a user file (none when it does not exist); throws AuthFileError when it does not parse. */
export async function listFileUsers(path: string): Promise<FileUserView[]> {
  return parseUserFile(await readOrEmpty(path)).map(({ passwordHash: _hash, ...view }) => view);
}

async function hashChecked(passwords: FilePasswords, password: string, username: string, email?: string) {
  const violations = passwords.policy.check(password, { username, email });
  if (violations.length > 0) throw new AppError('password_policy', { details: { violations } });
  return passwords.hasher.hash(password);
}

function nameOf(raw: string): string {
  const username = canonicalUsername(raw);
  if (!username)
    throw new AuthFileError(`"${raw}" is not a valid username (1-128 letters, digits or . _ @ + -)`);
  return username;
}

/** Adds a user (Argon2id hash of a password that passed the policy) to a user file, created 0600 if absent. */
export async function addFileUser(
  path: string,
  input: { username: string; password: string; email?: string; isAdmin?: boolean; annotation?: string },
  passwords: FilePasswords,
  now = new Date(),
): Promise<void> {
  const username = nameOf(input.username);
  const passwordHash = await hashChecked(passwords, input.password, username, input.email);
  await editYamlFile(path, parseUserFile, (doc) => {
    const users = section(doc, 'users');
    if (users.has(username)) throw new AuthFileError(`users.${username} already exists`);
    const entry: Record<string, unknown> = {
      username,
      password_hash: passwordHash,
      created_at: now.toISOString(),
      last_login: null,
      enabled: true,
      annotation: input.annotation ?? '',
    };
    if (input.email !== undefined) entry.email = input.email;
    if (input.isAdmin) entry.is_admin = true;
    users.set(username, doc.createNode(entry));
  });
}

/** The entry of `username` in the document's users (keys may be spelt in any case). */
function entryOf(doc: Document, username: string): Pair | undefined {
  return section(doc, 'users').items.find(
    (pair) => canonicalUsername(isScalar(pair.key) ? String(pair.key.value) : String(pair.key)) === username,
  );
}

/** Changes one field of an existing user; throws AuthFileError when the user is not in the file. */
function setField(path: string, rawName: string, field: string, value: unknown): Promise<void> {
  const username = nameOf(rawName);
  return editYamlFile(path, parseUserFile, (doc) => {
    const entry = entryOf(doc, username);
    if (!entry || !isMap(entry.value)) throw new AuthFileError(`users.${username} is not in ${path}`);
    entry.value.set(field, value);
  });
}

/** Enables or disables a user of the file (a running server ends a disabled user's sessions). */
export function setFileUserEnabled(path: string, username: string, enabled: boolean): Promise<void> {
  return setField(path, username, 'enabled', enabled);
}

/** Sets a new password (checked against the policy, stored as Argon2id) for a user of the file. */
export async function setFileUserPassword(
  path: string,
  username: string,
  password: string,
  passwords: FilePasswords,
): Promise<void> {
  const hash = await hashChecked(passwords, password, nameOf(username));
  await setField(path, username, 'password_hash', hash);
}

/** Removes a user from the file; returns false when it was not there. */
export async function removeFileUser(path: string, rawName: string): Promise<boolean> {
  const username = nameOf(rawName);
  return editYamlFile(path, parseUserFile, (doc) => {
    const entry = entryOf(doc, username);
    if (entry === undefined) return false;
    const users = section(doc, 'users');
    users.items.splice(users.items.indexOf(entry), 1);
    return true;
  });
}
