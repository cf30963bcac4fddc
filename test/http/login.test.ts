import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const comparable = (response: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
  const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
  return { status: response.statusCode, headers, body: response.body };
};

describe.each(DIALECTS)('login on $name', (dialect) => {
  it('answers a correct login with a bearer token and the user, and /me with that user', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com', username: 'alice', fullName: 'Alice' });
    const response = await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      user: { email: 'alice@example.com', username: 'alice' },
    });
    expect(body.user.password_hash).toBeUndefined();
    const me = await asUser(t.app, body.access_token, 'GET', '/auth/email/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().email).toBe('alice@example.com');
  });

  it('accepts the username in the email field', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com', username: 'alice' });
    expect((await loginRequest(t.app, 'Alice', GOOD_PASSWORD)).statusCode).toBe(200);
  });

  it('treats case, surrounding spaces and full-width letters as one account with one failure counter', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    for (const spelling of ['Alice@Example.com', ' alice@example.com ', 'ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ']) {
      expect((await loginRequest(t.app, spelling, 'wrong password entirely')).statusCode).toBe(401);
    }
    expect((await t.store.users.findByEmail('alice@example.com'))?.failedLoginAttempts).toBe(3);
    expect((await loginRequest(t.app, 'ＡＬＩＣＥ@example.com', GOOD_PASSWORD)).statusCode).toBe(200);
  });

  it('gives unknown user, wrong password, locked and disabled accounts the same 401, no faster than the floor', async () => {
    t = await identityApp(dialect, { FAILED_LOGIN_MIN_RESPONSE_MS: '250', MAX_FAILED_LOGIN_ATTEMPTS: '3' });
    await addUser(t, { email: 'wrong@example.com' });
    await addUser(t, { email: 'locked@example.com' });
    await addUser(t, { email: 'disabled@example.com', isActive: false });
    for (let i = 0; i < 3; i++) await loginRequest(t.app, 'locked@example.com', 'not the password at all');

    const attempts = [
      ['nobody@example.com', GOOD_PASSWORD],
      ['wrong@example.com', 'not the password at all'],
      ['locked@example.com', GOOD_PASSWORD],
      ['disabled@example.com', GOOD_PASSWORD],
    ] as const;
    const responses = [];
    for (const [email, password] of attempts) {
      const started = performance.now();
      const response = await loginRequest(t.app, email, password);
      responses.push({ ...comparable(response), ms: performance.now() - started });
    }
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.body).toBe('{"error":"Unauthorized"}');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(response.ms).toBeGreaterThanOrEqual(245);
    }
    expect(new Set(responses.map((r) => JSON.stringify({ ...r, ms: 0 }))).size).toBe(1);
  });

  it('audits why a login failed without telling the client', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    await loginRequest(t.app, 'alice@example.com', 'not the password at all');
    const [event] = await t.store.authEvents.list({ limit: 1, eventType: 'login_failed' });
    expect(event).toMatchObject({
      userEmail: 'alice@example.com',
      success: false,
      ip: '127.0.0.1',
      details: { reason: 'wrong_password' },
    });
  });

  it('treats SQL-injection strings in email and username as literals', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    for (const hostile of [
      "' OR '1'='1",
      "alice@example.com' --",
      "x' OR 1=1; DROP TABLE email_users; --@x.io",
    ]) {
      expect((await loginRequest(t.app, hostile, "' OR '1'='1")).statusCode).toBe(401);
    }
    expect(await t.store.users.findByEmail('alice@example.com')).not.toBeNull();
  });

  it('refuses a login body that is not an email and password', async () => {
    t = await identityApp(dialect);
    const response = await t.app.inject({
      method: 'POST',
      url: '/auth/email/login',
      payload: { email: 'a@b.co' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('validation_failed');
  });
});

describe.each(DIALECTS)('lockout on $name', (dialect) => {
  it('locks after MAX_FAILED_LOGIN_ATTEMPTS; the right password is then refused until an admin unlocks', async () => {
    t = await identityApp(dialect, { MAX_FAILED_LOGIN_ATTEMPTS: '3' });
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    for (let i = 0; i < 3; i++) await loginRequest(t.app, 'bob@example.com', 'not the password at all');
    expect((await loginRequest(t.app, 'bob@example.com', GOOD_PASSWORD)).statusCode).toBe(401);
    const shown = await asUser(t.app, admin, 'GET', '/auth/email/admin/users/bob@example.com');
    expect(shown.json()).toMatchObject({ is_locked: true, failed_login_attempts: 3 });

    const unlock = await asUser(t.app, admin, 'POST', '/auth/email/admin/users/bob@example.com/unlock');
    expect(unlock.statusCode).toBe(200);
    expect(unlock.json()).toMatchObject({ is_locked: false, failed_login_attempts: 0, locked_until: null });
    expect((await loginRequest(t.app, 'bob@example.com', GOOD_PASSWORD)).statusCode).toBe(200);
    const types = (await t.store.authEvents.list({ limit: 50 })).map((e) => e.eventType);
    expect(types).toEqual(expect.arrayContaining(['account_locked', 'account_unlocked', 'login_success']));
  });

  it('50 parallel wrong logins at threshold 5 lock the account exactly once, with a consistent counter', async () => {
    t = await identityApp(dialect, {
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
      PASSWORD_HASH_QUEUE_TIMEOUT_MS: '30000',
    });
    await addUser(t, { email: 'bob@example.com' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => loginRequest(t!.app, 'bob@example.com', 'not the password at all')),
    );
    expect(responses.every((r) => r.statusCode === 401)).toBe(true);
    const events = await t.store.authEvents.list({ limit: 200 });
    expect(events.filter((e) => e.eventType === 'account_locked')).toHaveLength(1);
    const counted = events.filter(
      (e) => e.eventType === 'login_failed' && e.details?.reason === 'wrong_password',
    ).length;
    const user = await t.store.users.findByEmail('bob@example.com');
    expect(user?.failedLoginAttempts).toBe(counted);
    expect(counted).toBeGreaterThanOrEqual(5);
    expect(user?.lockedUntil).not.toBeNull();
  });

  it('a successful login resets the failure counter', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'bob@example.com' });
    for (let i = 0; i < 3; i++) await loginRequest(t.app, 'bob@example.com', 'not the password at all');
    await tokenFor(t.app, 'bob@example.com');
    expect((await t.store.users.findByEmail('bob@example.com'))?.failedLoginAttempts).toBe(0);
  });

  it('runs a lockout listener once when an account locks (the hook for the notification e-mail)', async () => {
    t = await identityApp(dialect, { MAX_FAILED_LOGIN_ATTEMPTS: '2' });
    const locked: string[] = [];
    t.identity.accountLockedListeners.push((user) => locked.push(user.email));
    await addUser(t, { email: 'bob@example.com' });
    for (let i = 0; i < 4; i++) await loginRequest(t.app, 'bob@example.com', 'not the password at all');
    expect(locked).toEqual(['bob@example.com']);
  });
});

describe.each(DIALECTS)('per-IP limit on $name', (dialect) => {
  it('answers 429 with Retry-After after AUTH_RATE_LIMIT_MAX_ATTEMPTS failures, and ignores a spoofed X-Forwarded-For', async () => {
    t = await identityApp(dialect, {
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '4',
      AUTH_RATE_LIMIT_WINDOW_MINUTES: '15',
    });
    await addUser(t, { email: 'bob@example.com' });
    for (let i = 0; i < 4; i++) {
      const response = await loginRequest(t.app, `nobody${i}@example.com`, 'whatever password here', {
        'x-forwarded-for': `203.0.113.${i}`,
      });
      expect(response.statusCode).toBe(401);
    }
    const limited = await loginRequest(t.app, 'bob@example.com', GOOD_PASSWORD, {
      'x-forwarded-for': '198.51.100.7',
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      error: 'rate_limited',
      message: 'Too many failed attempts; try again later',
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
  });

  it('believes X-Forwarded-For from a peer listed in TRUSTED_PROXIES', async () => {
    t = await identityApp(dialect, { AUTH_RATE_LIMIT_MAX_ATTEMPTS: '2', TRUSTED_PROXIES: '127.0.0.1' });
    for (let i = 0; i < 5; i++) {
      const response = await loginRequest(t.app, 'nobody@example.com', 'whatever password here', {
        'x-forwarded-for': `203.0.113.${i}`,
      });
      expect(response.statusCode).toBe(401);
    }
    const [event] = await t.store.authEvents.list({ limit: 1 });
    expect(event?.ip).toBe('203.0.113.4');
  });

  it('counts invalid bearer tokens toward the same limit', async () => {
    t = await identityApp(dialect, { AUTH_RATE_LIMIT_MAX_ATTEMPTS: '3' });
    for (let i = 0; i < 3; i++)
      expect((await asUser(t.app, `garbage.token.${i}`, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, 'garbage', 'GET', '/auth/email/me')).statusCode).toBe(429);
  });
});

describe.each(DIALECTS)('password hashing under load on $name', (dialect) => {
  it('answers 503 with Retry-After when no hashing slot frees up in time', async () => {
    t = await identityApp(dialect, {
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE_TIMEOUT_MS: '0',
      AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
    });
    await addUser(t, { email: 'bob@example.com' });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => loginRequest(t!.app, 'bob@example.com', GOOD_PASSWORD)),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses).toContain(200);
    const overloaded = responses.find((r) => r.statusCode === 503);
    expect(overloaded?.json()).toEqual({
      error: 'service_unavailable',
      message: 'The service is temporarily unavailable',
    });
    expect(Number(overloaded?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
