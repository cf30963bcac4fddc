import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function withAdmin(dialect: (typeof DIALECTS)[number], env: Record<string, string> = {}) {
  t = await identityApp(dialect, env);
  await addUser(t, { email: 'admin@example.com', isAdmin: true });
  return { t, admin: await tokenFor(t.app, 'admin@example.com') };
}

describe.each(DIALECTS)('admin user API on $name', (dialect) => {
  it('is closed to anonymous callers (401) and to non-admins (403)', async () => {
    const { t } = await withAdmin(dialect);
    await addUser(t, { email: 'bob@example.com' });
    const bob = await tokenFor(t.app, 'bob@example.com');
    const anonymous = await t.app.inject({ method: 'GET', url: '/auth/email/admin/users' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    for (const [method, url] of [
      ['GET', '/auth/email/admin/users'],
      ['POST', '/auth/email/admin/users'],
      ['PATCH', '/auth/email/admin/users/admin@example.com'],
      ['DELETE', '/auth/email/admin/users/admin@example.com'],
      ['POST', '/auth/email/admin/users/admin@example.com/unlock'],
      ['GET', '/auth/email/admin/events'],
    ] as const) {
      const response = await asUser(
        t.app,
        bob,
        method,
        url,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      expect(response.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('creates a user (201), refuses a duplicate (409), gets, updates and deletes it', async () => {
    const { t, admin } = await withAdmin(dialect);
    const created = await asUser(t.app, admin, 'POST', '/auth/email/admin/users', {
      email: 'Bob@Example.com',
      password: GOOD_PASSWORD,
      full_name: 'Bob',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      email: 'bob@example.com',
      username: 'bob@example.com',
      full_name: 'Bob',
      is_admin: false,
    });
    const duplicate = await asUser(t.app, admin, 'POST', '/auth/email/admin/users', {
      email: 'bob@example.com',
      password: GOOD_PASSWORD,
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error).toBe('user_exists');
    expect((await asUser(t.app, admin, 'GET', '/auth/email/admin/users/BOB@example.com')).json().email).toBe(
      'bob@example.com',
    );
    const updated = await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/bob@example.com', {
      full_name: 'Robert',
      is_admin: true,
    });
    expect(updated.json()).toMatchObject({ full_name: 'Robert', is_admin: true });
    expect((await asUser(t.app, admin, 'DELETE', '/auth/email/admin/users/bob@example.com')).json()).toEqual({
      status: 'deleted',
    });
    const gone = await asUser(t.app, admin, 'GET', '/auth/email/admin/users/bob@example.com');
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: 'not_found', message: 'User not found' });
  });

  it('refuses unknown fields and wrong types instead of ignoring them', async () => {
    const { t, admin } = await withAdmin(dialect);
    const extra = await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/admin@example.com', {
      is_superuser: true,
    });
    expect(extra.statusCode).toBe(400);
    const wrongType = await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/admin@example.com', {
      is_admin: 'false',
    });
    expect(wrongType.statusCode).toBe(400);
    expect((await t.store.users.findByEmail('admin@example.com'))?.isAdmin).toBe(true);
  });

  it('lists users with a cursor', async () => {
    const { t, admin } = await withAdmin(dialect);
    for (const name of ['carol', 'bob', 'dave']) await addUser(t, { email: `${name}@example.com` });
    const first = (await asUser(t.app, admin, 'GET', '/auth/email/admin/users?limit=2')).json();
    expect(first.users.map((u: { email: string }) => u.email)).toEqual([
      'admin@example.com',
      'bob@example.com',
    ]);
    const second = (
      await asUser(t.app, admin, 'GET', `/auth/email/admin/users?limit=2&cursor=${first.next_cursor}`)
    ).json();
    expect(second.users.map((u: { email: string }) => u.email)).toEqual([
      'carol@example.com',
      'dave@example.com',
    ]);
    expect(second.next_cursor).toBeNull();
  });

  it.each([
    ['demoting', 'PATCH', { is_admin: false }],
    ['deactivating', 'PUT', { is_active: false }],
    ['deleting', 'DELETE', undefined],
  ] as const)('refuses %s the last active admin with last_admin', async (_what, method, payload) => {
    const { t, admin } = await withAdmin(dialect);
    await addUser(t, { email: 'former@example.com', isAdmin: true, isActive: false });
    const response = await asUser(t.app, admin, method, '/auth/email/admin/users/admin@example.com', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'last_admin', message: 'Cannot modify last admin' });
    expect(await t.store.users.countActiveAdmins()).toBe(1);
  });

  it('of two concurrent demotions of the only two admins, exactly one succeeds', async () => {
    // The actor is the row-less platform admin, so it is not one of the two admins at stake.
    const { t } = await withAdmin(dialect, { PLATFORM_ADMIN_EMAIL: 'root@example.com' });
    const { token: admin } = await t.identity.signer.issue({
      id: 'platform-admin',
      email: 'root@example.com',
    });
    await addUser(t, { email: 'second@example.com', isAdmin: true });
    const responses = await Promise.all([
      asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/admin@example.com', { is_admin: false }),
      asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/second@example.com', { is_admin: false }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(await t.store.users.countActiveAdmins()).toBe(1);
  });

  it('lists audit events newest first, filtered by user and type', async () => {
    const { t, admin } = await withAdmin(dialect);
    await addUser(t, { email: 'bob@example.com' });
    await loginRequest(t.app, 'bob@example.com', 'not the password at all');
    await asUser(t.app, admin, 'POST', '/auth/email/admin/users/bob@example.com/unlock');
    const all = (await asUser(t.app, admin, 'GET', '/auth/email/admin/events?limit=100')).json();
    expect(all.events[0]).toMatchObject({
      event_type: 'account_unlocked',
      user_email: 'bob@example.com',
      details: { actor: 'admin@example.com' },
    });
    const failed = (await asUser(t.app, admin, 'GET', '/auth/email/admin/events?type=login_failed')).json();
    expect(failed.events).toHaveLength(1);
    const bobs = (
      await asUser(t.app, admin, 'GET', '/auth/email/admin/events?user=bob@example.com&limit=1')
    ).json();
    expect(bobs.events).toHaveLength(1);
    expect(bobs.next_cursor).toEqual(expect.any(Number));
  });
});

describe.each(DIALECTS)('password policy through the API on $name', (dialect) => {
  const create = (admin: string, email: string, password: string, username?: string) =>
    asUser(t!.app, admin, 'POST', '/auth/email/admin/users', { email, password, username });

  it('GET /auth/email/password-policy publishes the rules the server enforces', async () => {
    t = await identityApp(dialect, { PASSWORD_MIN_LENGTH: '16', PASSWORD_REQUIRE_NUMBERS: 'true' });
    const policy = (await t.app.inject({ method: 'GET', url: '/auth/email/password-policy' })).json();
    expect(policy).toMatchObject({
      min_length: 16,
      require_numbers: true,
      require_uppercase: false,
      max_bytes: 1024,
    });
    expect(policy.rules.join(' ')).toContain('16');
  });

  it('refuses 14 characters, a common password and one containing the username, listing violations', async () => {
    const { admin } = await withAdmin(dialect);
    const short = await create(admin, 'a@example.com', 'fourteen chars');
    expect(short.json()).toEqual({
      error: 'password_policy',
      message: 'Password validation failed',
      violations: ['Password must be at least 15 characters'],
    });
    expect((await create(admin, 'b@example.com', 'passwordpassword')).json().violations).toContain(
      'Password is too common',
    );
    const withName = await create(admin, 'c@example.com', 'my name is mallory the great', 'mallory');
    expect(withName.json().violations).toContain('Password must not contain your username');
  });

  it('accepts a 20-character lowercase passphrase and an emoji password, and both log in', async () => {
    const { admin } = await withAdmin(dialect);
    const passphrase = 'purple monkey dishes';
    const emoji = '🦊🐺🦝🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔🐧🐦';
    expect((await create(admin, 'p@example.com', passphrase)).statusCode).toBe(201);
    expect((await create(admin, 'e@example.com', emoji)).statusCode).toBe(201);
    expect((await loginRequest(t!.app, 'p@example.com', passphrase)).statusCode).toBe(200);
    expect((await loginRequest(t!.app, 'e@example.com', emoji)).statusCode).toBe(200);
  });

  it('two 200-character passwords differing at character 100 are not interchangeable', async () => {
    const { admin } = await withAdmin(dialect);
    const base = 'quiet river stone bridge '.repeat(9).slice(0, 200);
    const other = `${base.slice(0, 99)}X${base.slice(100)}`;
    expect(base).toHaveLength(200);
    expect((await create(admin, 'w@example.com', base)).statusCode).toBe(201);
    expect((await loginRequest(t!.app, 'w@example.com', other)).statusCode).toBe(401);
    expect((await loginRequest(t!.app, 'w@example.com', base)).statusCode).toBe(200);
  });

  it('refuses a 1 MB password before hashing it', async () => {
    const { admin } = await withAdmin(dialect, { BODY_LIMIT_BYTES: String(4 * 1024 * 1024) });
    const huge = 'a'.repeat(1024 * 1024);
    const started = performance.now();
    const response = await create(admin, 'huge@example.com', huge);
    expect(response.statusCode).toBe(400);
    const login = await loginRequest(t!.app, 'admin@example.com', huge);
    expect(login.statusCode).toBe(400);
    // No Argon2id run over a megabyte: both answers come from validation.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
