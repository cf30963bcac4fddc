import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/index.ts';
import { createIdentityContext, ensurePlatformAdmin } from '../../src/identity/index.ts';
import { testSettings, type TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const FIRST = 'first bootstrap passphrase';
const SECOND = 'second bootstrap passphrase';
const CHANGED = 'changed in the user interface';

describe.each(DIALECTS)('platform admin bootstrap on $name', (dialect) => {
  // Each "start" is a new identity context over the same database, as a restart would be.
  const start = (app: TestApp, password?: string) =>
    createIdentityContext(
      testSettings({
        DATABASE_URL: 'sqlite::memory:',
        PLATFORM_ADMIN_EMAIL: 'admin@example.com',
        ...(password ? { PLATFORM_ADMIN_PASSWORD: password } : {}),
      }),
      app.store,
      createLogger('silent'),
    ).then(ensurePlatformAdmin);

  it('creates the admin at first start with PLATFORM_ADMIN_PASSWORD, keeping only a hash of it', async () => {
    t = await identityApp(dialect);
    expect(await start(t, FIRST)).toEqual({
      action: 'created',
      email: 'admin@example.com',
      generatedPassword: null,
    });
    expect((await loginRequest(t.app, 'admin@example.com', FIRST)).json().user.is_admin).toBe(true);
    const stored = await t.store.settings.get('platform_admin_password_fingerprint');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain(FIRST);
  });

  it('generates a strong password when none is given', async () => {
    t = await identityApp(dialect);
    const outcome = await start(t);
    expect(outcome.action).toBe('created');
    const generated = outcome.action === 'created' ? outcome.generatedPassword : null;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await loginRequest(t.app, 'admin@example.com', generated!)).statusCode).toBe(200);
  });

  it('does not revert a password the admin changed while PLATFORM_ADMIN_PASSWORD stays the same', async () => {
    t = await identityApp(dialect);
    await start(t, FIRST);
    const token = await tokenFor(t.app, 'admin@example.com', FIRST);
    await asUser(t.app, token, 'POST', '/auth/email/change-password', {
      old_password: FIRST,
      new_password: CHANGED,
    });
    expect(await start(t, FIRST)).toEqual({ action: 'unchanged', email: 'admin@example.com' });
    expect((await loginRequest(t.app, 'admin@example.com', CHANGED)).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'admin@example.com', FIRST)).statusCode).toBe(401);
  });

  it('applies a changed PLATFORM_ADMIN_PASSWORD: new password, unlocked, re-enabled, audited', async () => {
    t = await identityApp(dialect, { MAX_FAILED_LOGIN_ATTEMPTS: '2' });
    await start(t, FIRST);
    await addUser(t, { email: 'other@example.com', isAdmin: true });
    const other = await tokenFor(t.app, 'other@example.com');
    await asUser(t.app, other, 'PATCH', '/auth/email/admin/users/admin@example.com', { is_active: false });
    for (let i = 0; i < 2; i++) await loginRequest(t.app, 'admin@example.com', 'wrong wrong wrong wrong');
    expect(await start(t, SECOND)).toEqual({ action: 'password_applied', email: 'admin@example.com' });
    expect((await loginRequest(t.app, 'admin@example.com', SECOND)).statusCode).toBe(200);
    const [event] = await t.store.authEvents.list({ limit: 1, eventType: 'bootstrap_password_applied' });
    expect(event?.userEmail).toBe('admin@example.com');
  });
});

describe.each(DIALECTS)('hash upgrades at login on $name', (dialect) => {
  it('verifies an imported bcrypt hash and replaces it with Argon2id', async () => {
    t = await identityApp(dialect);
    const user = await addUser(t, { email: 'legacy@example.com' });
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const hash = prefix + bcrypt.hashSync(GOOD_PASSWORD, 4).slice(4);
      await t.store.users.update(user.id, { passwordHash: hash }, new Date());
      expect((await loginRequest(t.app, 'legacy@example.com', GOOD_PASSWORD)).statusCode).toBe(200);
      expect((await t.store.users.findById(user.id))?.passwordHash).toMatch(
        /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
      );
    }
  });

  it('re-hashes an Argon2id hash made with older parameters', async () => {
    t = await identityApp(dialect, { ARGON2ID_TIME_COST: '3' });
    const user = await addUser(t, { email: 'old@example.com' });
    const { hash } = await import('@node-rs/argon2');
    await t.store.users.update(
      user.id,
      { passwordHash: await hash(GOOD_PASSWORD, { timeCost: 2, memoryCost: 19456, parallelism: 1 }) },
      new Date(),
    );
    expect((await loginRequest(t.app, 'old@example.com', GOOD_PASSWORD)).statusCode).toBe(200);
    expect((await t.store.users.findById(user.id))?.passwordHash).toContain('m=19456,t=3,p=1');
  });
});

describe('logs and audit rows', () => {
  it('never contain a password, token or hash', async () => {
    t = await identityApp(DIALECTS[0]!, { LOG_LEVEL: 'trace' });
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    const token = await tokenFor(t.app, 'admin@example.com');
    await loginRequest(t.app, 'admin@example.com', 'a wrong password attempt');
    await asUser(t.app, token, 'POST', '/auth/email/admin/users', {
      email: 'bob@example.com',
      password: 'bob initial passphrase',
    });
    const changed = await asUser(t.app, token, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: 'the admin new passphrase',
    });
    const hashes = [
      (await t.store.users.findByEmail('admin@example.com'))!.passwordHash,
      (await t.store.users.findByEmail('bob@example.com'))!.passwordHash,
    ];
    const events = JSON.stringify(await t.store.authEvents.list({ limit: 100 }));
    for (const secret of [
      GOOD_PASSWORD,
      'a wrong password attempt',
      'bob initial passphrase',
      'the admin new passphrase',
      token,
      changed.json().access_token,
      ...hashes,
    ]) {
      expect(t.logText()).not.toContain(secret);
      expect(events).not.toContain(secret);
    }
    expect(t.logText()).toContain('"security_event":"login_failed"');
  });
});
