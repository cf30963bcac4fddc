import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addFileToken,
  addFileUser,
  AuthFileError,
  createPasswordHasher,
  listFileTokens,
  parseTokenFile,
  parseUserFile,
  removeFileToken,
  setFileUserEnabled,
} from '../../../src/identity/index.ts';
import { createPasswordPolicy } from '../../../src/identity/passwords/index.ts';
import { sha256Hex } from '../../../src/identity/secrets.ts';

const passwords = {
  hasher: createPasswordHasher({
    memoryCost: 8192,
    timeCost: 1,
    parallelism: 1,
    maxConcurrent: 2,
    queueTimeoutMs: 5000,
  }),
  policy: createPasswordPolicy({
    minLength: 12,
    maxLength: 128,
    requireUppercase: false,
    requireLowercase: false,
    requireNumbers: false,
    requireSpecial: false,
  }),
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-edit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('token and user file edits', () => {
  it('creates a missing token file readable only by its owner, holding the hash and never the token', async () => {
    const path = join(dir, 'tokens.yaml');
    const { id, token } = await addFileToken(path, { user: 'bot@example.com', annotation: 'CI' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(token);
    expect(parseTokenFile(text)).toMatchObject([
      { id, hash: sha256Hex(token), user: 'bot@example.com', annotation: 'CI' },
    ]);
    expect(token).toMatch(/^mcpgw_[A-Za-z0-9_-]{43}$/);
  });

  it('keeps comments, other entries and the file mode; leaves no temporary or lock file behind', async () => {
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, `# managed by ops\ntokens:\n  old: # the old one\n    hash: ${'a'.repeat(64)}\n`, {
      mode: 0o640,
    });
    await addFileToken(path, { id: 'new' });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('# managed by ops');
    expect(text).toContain('# the old one');
    expect(parseTokenFile(text).map((t) => t.id)).toEqual(['old', 'new']);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['tokens.yaml']);
  });

  it('refuses to edit a file that does not parse, changing nothing', async () => {
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, 'tokens:\n  a: [broken\n');
    await expect(addFileToken(path, { id: 'x' })).rejects.toThrow(AuthFileError);
    expect(readFileSync(path, 'utf8')).toBe('tokens:\n  a: [broken\n');
  });

  it('removes a token by id or by a unique hash prefix of 8+ characters, and lists what is left', async () => {
    const path = join(dir, 'tokens.yaml');
    const first = await addFileToken(path, { id: 'one' });
    await addFileToken(path, { id: 'two' });
    expect(await removeFileToken(path, 'two')).toBe('two');
    expect(await removeFileToken(path, sha256Hex(first.token).slice(0, 6))).toBeNull();
    expect(await removeFileToken(path, sha256Hex(first.token).slice(0, 8))).toBe('one');
    expect(await listFileTokens(path)).toEqual([]);
  });

  it('serialises concurrent edits: none is lost', async () => {
    const path = join(dir, 'tokens.yaml');
    await Promise.all(Array.from({ length: 8 }, (_, i) => addFileToken(path, { id: `t${i}` })));
    expect(
      parseTokenFile(readFileSync(path, 'utf8'))
        .map((t) => t.id)
        .sort(),
    ).toEqual(Array.from({ length: 8 }, (_, i) => `t${i}`));
  });

  it('adds users with an Argon2id hash of a password that passes the policy, and refuses a weak one', async () => {
    const path = join(dir, 'users.yaml');
    await addFileUser(
      path,
      { username: 'Alice', password: 'correct horse battery staple', isAdmin: true },
      passwords,
    );
    const [alice] = parseUserFile(readFileSync(path, 'utf8'));
    expect(alice).toMatchObject({ username: 'alice', isAdmin: true, enabled: true });
    expect(alice?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await passwords.hasher.verify(alice!.passwordHash, 'correct horse battery staple')).toBe(true);
    await expect(addFileUser(path, { username: 'bob', password: 'short' }, passwords)).rejects.toMatchObject({
      code: 'password_policy',
    });
    await expect(
      addFileUser(path, { username: 'alice', password: 'another long passphrase' }, passwords),
    ).rejects.toThrow('users.alice already exists');
    await setFileUserEnabled(path, 'ALICE', false);
    expect(parseUserFile(readFileSync(path, 'utf8'))[0]?.enabled).toBe(false);
    await expect(setFileUserEnabled(path, 'nobody', false)).rejects.toThrow('users.nobody is not in');
  });

  it('gives a file token the same expiry rules as a database key', async () => {
    const path = join(dir, 'tokens.yaml');
    const now = new Date('2026-11-22T12:00:00.000Z');
    await addFileToken(path, { id: 'week', ttlDays: 7 }, now);
    expect(parseTokenFile(readFileSync(path, 'utf8'))[0]?.expiresAt).toEqual(
      new Date('2026-11-29T12:00:00.000Z'),
    );
    for (const ttlDays of [0, 1.5, 4000]) {
      await expect(addFileToken(path, { id: `bad${ttlDays}`, ttlDays }, now)).rejects.toMatchObject({
        code: 'validation_failed',
      });
    }
    expect(parseTokenFile(readFileSync(path, 'utf8')).map((t) => t.id)).toEqual(['week']);
  });
});
