import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthFiles,
  authenticateApiKey,
  createApiKey,
  parseTokenFile,
  startAuthFiles,
  updateUser,
} from '../../src/identity/index.ts';
import { sha256Hex } from '../../src/identity/secrets.ts';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, identityApp } from '../helpers/identity.ts';

const SECRET = 'file-token-secret-of-enough-length-0001';
const SYSTEM = { actorEmail: 'test' };

function tokenFile(fields: string): string {
  return `tokens:\n  ci:\n    hash: ${sha256Hex(SECRET)}\n${fields}`;
}

describe.each(DIALECTS)('tokens of AUTH_TOKEN_FILE on $name', (dialect) => {
  let t: TestApp;
  let files: AuthFiles | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    files?.stop();
    await t.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    files = dir = undefined;
  });
  const me = (secret = SECRET) => asUser(t.app, secret, 'GET', '/auth/email/me');

  it('authenticates a file token as the user it names, by the SHA-256 of the secret', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'bot@example.com', username: 'bot' });
    t.identity.fileTokens.replace(parseTokenFile(tokenFile('    user: bot\n')));
    const response = await me();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ email: 'bot@example.com' });
    expect((await me(`${SECRET}x`)).statusCode).toBe(401);
  });

  it('refuses a token from the instant it expires', async () => {
    let now = Date.parse('2026-11-22T12:00:00.000Z');
    t = await identityApp(dialect, {}, { now: () => new Date(now) });
    await addUser(t, { email: 'bot@example.com' });
    t.identity.fileTokens.replace(
      parseTokenFile(tokenFile('    user: bot@example.com\n    expires_at: 2026-11-22T13:00:00Z\n')),
    );
    now = Date.parse('2026-11-22T13:00:00.000Z') - 1;
    expect((await me()).statusCode).toBe(200);
    now += 1;
    expect((await me()).statusCode).toBe(401);
  });

  it('refuses a token without a user unless AUTH_TOKEN_FILE_DEFAULT_USER names one', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'svc@example.com' });
    t.identity.fileTokens.replace(parseTokenFile(tokenFile('')));
    expect((await me()).statusCode).toBe(401);
    await t.close();

    t = await identityApp(dialect, { AUTH_TOKEN_FILE_DEFAULT_USER: 'svc@example.com' });
    await addUser(t, { email: 'svc@example.com' });
    t.identity.fileTokens.replace(parseTokenFile(tokenFile('')));
    expect((await me()).json()).toMatchObject({ email: 'svc@example.com' });
  });

  it('refuses a token whose user is disabled or missing, on the next request', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'root@example.com', isAdmin: true });
    await addUser(t, { email: 'bot@example.com' });
    t.identity.fileTokens.replace(parseTokenFile(tokenFile('    user: bot@example.com\n')));
    expect((await me()).statusCode).toBe(200);
    await updateUser(t.identity, 'bot@example.com', { isActive: false }, SYSTEM);
    expect((await me()).statusCode).toBe(401);
    t.identity.fileTokens.replace(parseTokenFile(tokenFile('    user: ghost@example.com\n')));
    expect((await me()).statusCode).toBe(401);
  });

  it('opens admin routes only with admin: true and an admin user', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'root@example.com', isAdmin: true });
    await addUser(t, { email: 'bot@example.com' });
    const cases = [
      ['    user: root@example.com\n', 403],
      ['    user: root@example.com\n    admin: true\n', 200],
      ['    user: bot@example.com\n    admin: true\n', 403],
    ] as const;
    for (const [fields, status] of cases) {
      t.identity.fileTokens.replace(parseTokenFile(tokenFile(fields)));
      expect((await asUser(t.app, SECRET, 'GET', '/users')).statusCode, fields).toBe(status);
    }
  });

  it('gives the caller the token scope, which the access policy applies on top of the user', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'bot@example.com' });
    t.identity.fileTokens.replace(
      parseTokenFile(tokenFile('    user: bot@example.com\n    blocked_mcps: [erp]\n')),
    );
    const caller = await authenticateApiKey(t.identity, SECRET);
    expect(caller).toMatchObject({
      user: { email: 'bot@example.com' },
      apiKey: {
        id: 'file:ci',
        admin: false,
        scope: { allowedMcps: [], blockedMcps: ['erp'], toolRules: [] },
      },
    });
  });

  it('refuses at start a file holding the same secret as a database API key', async () => {
    t = await identityApp(dialect);
    const bot = await addUser(t, { email: 'bot@example.com' });
    const { secret } = await createApiKey(t.identity, bot, { name: 'ci' }, SYSTEM);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-tokens-'));
    const path = join(dir, 'tokens.yaml');
    writeFileSync(path, `tokens:\n  dup:\n    hash: ${sha256Hex(secret)}\n    user: bot@example.com\n`);
    const identity = { ...t.identity, settings: { ...t.settings, authTokenFile: path } };
    await expect(startAuthFiles(identity)).rejects.toThrow(
      `AUTH_TOKEN_FILE ${path}: tokens.dup: this token is also a database API key`,
    );
  });
});
