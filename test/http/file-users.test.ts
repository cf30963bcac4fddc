import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthFileError,
  createApiKey,
  deleteUser,
  ensurePlatformAdmin,
  parseUserFile,
  setUserAccess,
  syncFileUsers,
  updateUser,
} from '../../src/identity/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';

const SYSTEM = { actorEmail: 'system:auth-file' };
let hashOfGood = '';
let hashOfOther = '';

function file(entries: Record<string, Record<string, unknown>>): string {
  const lines = ['users:'];
  for (const [name, fields] of Object.entries(entries)) {
    lines.push(`  ${name}:`);
    for (const [key, value] of Object.entries(fields)) lines.push(`    ${key}: ${JSON.stringify(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe.each(DIALECTS)('users of AUTH_USER_FILE on $name', (dialect) => {
  let t: TestApp;
  const sync = (text: string) => syncFileUsers(t.identity, parseUserFile(text), SYSTEM);

  beforeEach(async () => {
    t = await identityApp(dialect, { MAX_FAILED_LOGIN_ATTEMPTS: '3' });
    hashOfGood ||= await t.identity.hasher.hash(GOOD_PASSWORD);
    hashOfOther ||= await t.identity.hasher.hash('another long passphrase');
  });
  afterEach(async () => {
    await t.close();
  });

  it('adds file users who log in by username or e-mail, marked as defined by the file and audited', async () => {
    const changes = await sync(
      file({
        alice: { password_hash: hashOfGood, email: 'alice@example.com' },
        bob: { password_hash: hashOfGood },
      }),
    );
    expect(changes).toEqual({ added: ['alice', 'bob'], updated: [], removed: [] });
    expect((await loginRequest(t.app, 'alice', GOOD_PASSWORD)).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD)).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'bob', GOOD_PASSWORD)).statusCode).toBe(200);
    const token = await tokenFor(t.app, 'alice');
    expect((await asUser(t.app, token, 'GET', '/auth/email/me')).json()).toMatchObject({
      email: 'alice@example.com',
      source: 'file',
    });
    const events = await t.store.authEvents.list({ limit: 50 });
    expect(
      events
        .filter((e) => e.eventType === 'file_user_added')
        .map((e) => e.userEmail)
        .sort(),
    ).toEqual(['alice@example.com', 'bob@users.invalid']);
    expect(JSON.stringify(events)).not.toContain(hashOfGood);
  });

  it('refuses a file whose username or e-mail belongs to a database user, and changes nothing', async () => {
    await addUser(t, { email: 'carol@example.com', username: 'carol' });
    for (const text of [
      file({ zed: { password_hash: hashOfGood }, carol: { password_hash: hashOfGood } }),
      file({
        zed: { password_hash: hashOfGood },
        other: { password_hash: hashOfGood, email: 'carol@example.com' },
      }),
    ]) {
      await expect(sync(text)).rejects.toThrow(AuthFileError);
      await expect(sync(text)).rejects.toThrow(/belongs to a database user/);
    }
    expect(await t.store.users.listBySource('file')).toEqual([]);
    expect((await t.store.users.findByUsername('carol'))?.source).toBe('database');
  });

  it('keeps lockout state and sessions across a reload that changes the password hash and details', async () => {
    await sync(file({ dave: { password_hash: hashOfGood, annotation: 'v1' } }));
    const session = await tokenFor(t.app, 'dave');
    for (let i = 0; i < 3; i += 1) await loginRequest(t.app, 'dave', 'wrong password entirely');
    const locked = await t.store.users.findByUsername('dave');
    expect(locked?.lockedUntil).not.toBeNull();

    const changes = await sync(file({ dave: { password_hash: hashOfOther, full_name: 'Dave D.' } }));
    expect(changes.updated).toEqual(['dave']);
    const after = await t.store.users.findByUsername('dave');
    expect(after).toMatchObject({
      id: locked?.id,
      failedLoginAttempts: 3,
      lockedUntil: locked?.lockedUntil,
      passwordHash: hashOfOther,
      fullName: 'Dave D.',
    });
    expect((await asUser(t.app, session, 'GET', '/auth/email/me')).statusCode).toBe(200);
    // Still locked: the new password is refused until an admin unlocks.
    expect((await loginRequest(t.app, 'dave', 'another long passphrase')).statusCode).toBe(401);
  });

  it('ends the sessions and API keys of a user the file disables, and deletes a user it removes', async () => {
    await sync(file({ erin: { password_hash: hashOfGood }, frank: { password_hash: hashOfGood } }));
    const erinSession = await tokenFor(t.app, 'erin');
    const frankSession = await tokenFor(t.app, 'frank');
    const frank = await t.store.users.findByUsername('frank');
    const { secret } = await createApiKey(t.identity, frank!, { name: 'ci' }, SYSTEM);
    expect((await asUser(t.app, secret, 'GET', '/auth/email/me')).statusCode).toBe(200);

    await sync(file({ erin: { password_hash: hashOfGood, enabled: false } }));
    expect((await asUser(t.app, erinSession, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, frankSession, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, secret, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect(await t.store.users.findByUsername('frank')).toBeNull();

    // Enabled again: old sessions stay dead (tokens_valid_after), a new login works.
    await sync(file({ erin: { password_hash: hashOfGood, enabled: true } }));
    expect((await asUser(t.app, erinSession, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await loginRequest(t.app, 'erin', GOOD_PASSWORD)).statusCode).toBe(200);
  });

  it('applies MCP access from the file, and a user renamed in the file keeps no stale row', async () => {
    await sync(
      file({ gina: { password_hash: hashOfGood, email: 'gina@example.com', blocked_mcps: ['erp'] } }),
    );
    expect(await t.store.users.findByUsername('gina')).toMatchObject({
      blockedMcps: ['erp'],
      allowedMcps: [],
    });
    await sync(file({ regina: { password_hash: hashOfGood, email: 'gina@example.com' } }));
    expect(await t.store.users.findByUsername('gina')).toBeNull();
    expect(await t.store.users.findByEmail('gina@example.com')).toMatchObject({
      username: 'regina',
      blockedMcps: [],
    });
  });

  it('lets only the file change what it defines: API and services answer user_managed_by_file', async () => {
    await addUser(t, { email: 'root@example.com', isAdmin: true });
    const admin = await tokenFor(t.app, 'root@example.com');
    await sync(file({ hank: { password_hash: hashOfGood, email: 'hank@example.com' } }));
    const hank = (await t.store.users.findByUsername('hank'))!;
    for (const [method, url, payload] of [
      ['PUT', '/auth/email/admin/users/hank@example.com', { full_name: 'H' }],
      ['DELETE', '/auth/email/admin/users/hank@example.com', undefined],
      ['PATCH', '/users/hank/enable', { enabled: false }],
      ['PUT', '/users/hank/mcp-access', { allowed_mcps: [], blocked_mcps: ['erp'] }],
    ] as const) {
      const response = await asUser(t.app, admin, method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(409);
      expect(response.json()).toMatchObject({ error: 'user_managed_by_file' });
    }
    const own = await tokenFor(t.app, 'hank');
    const change = await asUser(t.app, own, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: 'a brand new passphrase',
      confirm_password: 'a brand new passphrase',
    });
    expect(change.json()).toMatchObject({ error: 'user_managed_by_file' });
    await expect(updateUser(t.identity, 'hank@example.com', { isAdmin: true }, SYSTEM)).rejects.toThrow(
      'defined in the user file',
    );
    await expect(deleteUser(t.identity, 'hank@example.com', SYSTEM)).rejects.toThrow(
      'defined in the user file',
    );
    await expect(setUserAccess(t.identity, hank, { blockedMcps: ['x'] }, SYSTEM)).rejects.toThrow(
      'defined in the user file',
    );
    // Unlocking is database state, not a definition: it still works.
    const unlock = await asUser(t.app, admin, 'POST', '/auth/email/admin/users/hank@example.com/unlock');
    expect(unlock.statusCode).toBe(200);
    expect((await t.store.users.findByUsername('hank'))?.passwordHash).toBe(hashOfGood);
  });

  it('sends no reset mail to a file user (the file owns the password)', async () => {
    await sync(file({ ivy: { password_hash: hashOfGood, email: 'ivy@example.com' } }));
    await t.app.inject({
      method: 'POST',
      url: '/auth/email/forgot-password',
      payload: { email: 'ivy@example.com' },
    });
    await t.identity.background.idle();
    const events = await t.store.authEvents.list({ limit: 10 });
    expect(events.find((e) => e.eventType === 'password_reset_requested')).toMatchObject({
      success: false,
      details: { reason: 'managed_by_file' },
    });
    const resets = await t.store.db.selectFrom('password_reset_tokens').selectAll().execute();
    expect(resets).toEqual([]);
  });

  it('refuses a file that would leave no active admin, keeping the previous state', async () => {
    await sync(file({ judy: { password_hash: hashOfGood, is_admin: true } }));
    await expect(sync(file({ judy: { password_hash: hashOfGood, is_admin: false } }))).rejects.toThrow(
      'the change would leave no active admin',
    );
    await expect(sync(file({}))).rejects.toThrow('no active admin');
    expect((await t.store.users.findByUsername('judy'))?.isAdmin).toBe(true);
  });

  it('leaves a platform admin defined in the file alone at start', async () => {
    await sync(
      file({ boss: { password_hash: hashOfGood, email: t.settings.platformAdminEmail, is_admin: true } }),
    );
    expect(await ensurePlatformAdmin(t.identity)).toEqual({
      action: 'managed_by_file',
      email: t.settings.platformAdminEmail,
    });
    expect((await t.store.users.findByUsername('boss'))?.passwordHash).toBe(hashOfGood);
  });
});
