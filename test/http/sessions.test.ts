import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const NEW_PASSWORD = 'a brand new long passphrase';

describe.each(DIALECTS)('tokens and sessions on $name', (dialect) => {
  it('change-password requires the current password, applies the policy, and returns a working token', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com', username: 'alice' });
    const token = await tokenFor(t.app, 'alice@example.com');
    const wrong = await asUser(t.app, token, 'POST', '/auth/email/change-password', {
      old_password: 'not the current one',
      new_password: NEW_PASSWORD,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toBe('invalid_current_password');
    const weak = await asUser(t.app, token, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: 'short',
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ error: 'password_policy', message: 'Password validation failed' });
    expect(weak.json().violations).toContain('Password must be at least 15 characters');

    const changed = await asUser(t.app, token, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
    expect((await asUser(t.app, changed.json().access_token, 'GET', '/auth/email/me')).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'alice@example.com', NEW_PASSWORD)).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD)).statusCode).toBe(401);
  });

  it('a password change kills every other token of the user', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const first = await tokenFor(t.app, 'alice@example.com');
    const second = await tokenFor(t.app, 'alice@example.com');
    const changed = await asUser(t.app, first, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
    expect((await asUser(t.app, second, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, first, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, changed.json().access_token, 'GET', '/auth/email/me')).statusCode).toBe(200);
  });

  it('logout revokes that token only', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const first = await tokenFor(t.app, 'alice@example.com');
    const second = await tokenFor(t.app, 'alice@example.com');
    expect((await asUser(t.app, first, 'POST', '/auth/email/logout')).statusCode).toBe(200);
    expect((await asUser(t.app, first, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, second, 'GET', '/auth/email/me')).statusCode).toBe(200);
  });

  it('disabling or deleting a user rejects their token on the next request', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    await addUser(t, { email: 'carol@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    const bob = await tokenFor(t.app, 'bob@example.com');
    const carol = await tokenFor(t.app, 'carol@example.com');
    await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/bob@example.com', { is_active: false });
    expect((await asUser(t.app, bob, 'GET', '/auth/email/me')).statusCode).toBe(401);
    await asUser(t.app, admin, 'DELETE', '/auth/email/admin/users/carol@example.com');
    expect((await asUser(t.app, carol, 'GET', '/auth/email/me')).statusCode).toBe(401);
    // Re-enabling does not resurrect the token issued before the disable.
    await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/bob@example.com', { is_active: true });
    expect((await asUser(t.app, bob, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('an admin-set password revokes that user’s sessions', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    const bob = await tokenFor(t.app, 'bob@example.com');
    const reset = await asUser(t.app, admin, 'PUT', '/auth/email/admin/users/bob@example.com', {
      password: NEW_PASSWORD,
    });
    expect(reset.statusCode).toBe(200);
    expect((await asUser(t.app, bob, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await loginRequest(t.app, 'bob@example.com', NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('a forced change answers 403 with a limited token that only change-password accepts', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com', passwordChangeRequired: true });
    const response = await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD);
    expect(response.statusCode).toBe(403);
    expect(response.headers['x-password-change-required']).toBe('true');
    const body = response.json();
    expect(body).toMatchObject({ error: 'password_change_required', token_type: 'bearer' });
    expect(body.expires_in).toBeLessThanOrEqual(600);
    const limited = body.access_token as string;
    expect((await asUser(t.app, limited, 'GET', '/auth/email/me')).statusCode).toBe(401);

    const changed = await asUser(t.app, limited, 'POST', '/auth/email/change-password', {
      old_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user.password_change_required).toBe(false);
    expect((await asUser(t.app, changed.json().access_token, 'GET', '/auth/email/me')).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'alice@example.com', NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('rejects a token with a tampered payload, a missing scheme, or in a query string', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const token = await tokenFor(t.app, 'alice@example.com');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, email: 'admin@example.com' })).toString(
      'base64url',
    );
    expect(
      (await asUser(t.app, `${header}.${forged}.${signature}`, 'GET', '/auth/email/me')).statusCode,
    ).toBe(401);
    const bare = await t.app.inject({
      method: 'GET',
      url: '/auth/email/me',
      headers: { authorization: token },
    });
    expect(bare.statusCode).toBe(401);
    const query = await t.app.inject({ method: 'GET', url: `/auth/email/me?access_token=${token}` });
    expect(query.statusCode).toBe(401);
  });

  it('rejects a token signed with another key', async () => {
    t = await identityApp(dialect, { JWT_SECRET_KEY: 'k'.repeat(40) });
    await addUser(t, { email: 'alice@example.com' });
    const other = await identityApp(dialect, { JWT_SECRET_KEY: 'z'.repeat(40) });
    try {
      await addUser(other, { email: 'alice@example.com' });
      const foreign = await tokenFor(other.app, 'alice@example.com');
      expect((await asUser(t.app, foreign, 'GET', '/auth/email/me')).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe.each(DIALECTS)('REQUIRE_USER_IN_DB on $name', (dialect) => {
  // A token whose subject is the platform admin itself, as `gatehouse jwt create` mints it without a row.
  const adminToken = (app: TestApp) =>
    app.identity.signer.issue({ id: 'platform-admin', email: 'admin@example.com' });

  it('false: a valid token for PLATFORM_ADMIN_EMAIL without a row is the platform admin, and logged', async () => {
    t = await identityApp(dialect, { REQUIRE_USER_IN_DB: 'false' });
    const { token } = await adminToken(t);
    const me = await asUser(t.app, token, 'GET', '/auth/email/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: 'admin@example.com', is_admin: true });
    expect((await asUser(t.app, token, 'GET', '/auth/email/admin/users')).statusCode).toBe(200);
    expect(t.logText()).toContain('"security_event":"platform_admin_bootstrap"');
  });

  it('true: the same token gets 401 "User not found in database", and is logged', async () => {
    t = await identityApp(dialect, { REQUIRE_USER_IN_DB: 'true' });
    const { token } = await adminToken(t);
    const me = await asUser(t.app, token, 'GET', '/auth/email/me');
    expect(me.statusCode).toBe(401);
    expect(me.json()).toEqual({ error: 'Unauthorized', message: 'User not found in database' });
    expect(t.logText()).toContain('"security_event":"user_not_in_db_rejected"');
  });

  it('accepts the subject as the admin e-mail (ContextForge tokens), and nothing else', async () => {
    t = await identityApp(dialect, { REQUIRE_USER_IN_DB: 'false' });
    const byEmail = await t.identity.signer.issue({ id: 'admin@example.com', email: 'admin@example.com' });
    expect((await asUser(t.app, byEmail.token, 'GET', '/auth/email/me')).statusCode).toBe(200);
  });

  it("false: the token of a platform-admin account that was deleted dies with it (its subject is the row's id)", async () => {
    t = await identityApp(dialect, { REQUIRE_USER_IN_DB: 'false' });
    const row = await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'second@example.com', isAdmin: true });
    const old = await tokenFor(t.app, 'admin@example.com');
    expect((await asUser(t.app, old, 'GET', '/auth/email/admin/users')).statusCode).toBe(200);
    const second = await tokenFor(t.app, 'second@example.com');
    expect(
      (await asUser(t.app, second, 'DELETE', '/auth/email/admin/users/admin@example.com')).statusCode,
    ).toBe(200);
    expect(row).toBeDefined();
    expect((await asUser(t.app, old, 'GET', '/auth/email/admin/users')).statusCode).toBe(401);
    expect((await asUser(t.app, old, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('a token for another e-mail without a row is refused either way', async () => {
    t = await identityApp(dialect, { REQUIRE_USER_IN_DB: 'false' });
    const { token } = await t.identity.signer.issue({ id: 'no-such-row', email: 'mallory@example.com' });
    expect((await asUser(t.app, token, 'GET', '/auth/email/me')).json()).toEqual({ error: 'Unauthorized' });
  });
});
