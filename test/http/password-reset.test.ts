import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, GOOD_PASSWORD, identityApp, loginRequest, tokenFor } from '../helpers/identity.ts';
import { databaseAdapter } from '../../src/oauth/index.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const NEW_PASSWORD = 'freshly reset passphrase';
const GENERIC = { message: 'If this email is registered, a reset link has been sent' };

let t: TestApp | undefined;
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await t?.close();
  await smtp?.stop();
  t = undefined;
  smtp = undefined;
});

function mailEnv(port: number, env: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_ENABLED: 'true',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_FROM_EMAIL: 'gatehouse@example.com',
    SMTP_USE_TLS: 'false',
    PUBLIC_BASE_URL: 'https://gate.example.com',
    PASSWORD_RESET_MIN_RESPONSE_MS: '0',
    ...env,
  };
}

/** Waits for the background work and the outbox, then returns the mail count at the server. */
async function flush(app: TestApp): Promise<void> {
  await app.identity.background.idle();
  await app.mailer.deliverDue();
}

const forgot = (app: TestApp, email: string, headers: Record<string, string> = {}) =>
  app.app.inject({ method: 'POST', url: '/auth/email/forgot-password', payload: { email }, headers });

function linkIn(text: string): string {
  const match = /https:\/\/gate\.example\.com\/admin\/reset-password\/([A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error(`no reset link in: ${text}`);
  return match[1]!;
}

async function requestLink(app: TestApp, server: TestSmtpServer, email: string): Promise<string> {
  const before = server.messages.length;
  expect((await forgot(app, email)).json()).toEqual(GENERIC);
  await flush(app);
  await server.waitFor(before + 1);
  return linkIn(server.messages[before]!.text ?? '');
}

const reset = (app: TestApp, token: string, newPassword = NEW_PASSWORD, confirm = newPassword) =>
  app.app.inject({
    method: 'POST',
    url: `/auth/email/reset-password/${token}`,
    payload: { new_password: newPassword, confirm_password: confirm },
  });

describe.each(DIALECTS)('password reset by e-mail on $name', (dialect) => {
  it('full flow: mail with a PUBLIC_BASE_URL link, check, reset, old password and old tokens dead, confirmation mail', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port));
    await addUser(t, { email: 'alice@example.com' });
    const oldToken = await tokenFor(t.app, 'alice@example.com');

    const token = await requestLink(t, smtp, 'Alice@Example.com');
    const mail = smtp.messages[0]!;
    expect(smtp.envelopes[0]?.to).toEqual(['alice@example.com']);
    expect(mail.subject).toContain('Gatehouse');
    expect(mail.html).toContain(`https://gate.example.com/admin/reset-password/${token}`);

    const check = await t.app.inject({ method: 'GET', url: `/auth/email/reset-password/${token}` });
    expect(check.statusCode).toBe(200);
    expect(check.json()).toEqual({ valid: true, expires_at: expect.any(String) });
    expect(check.headers['referrer-policy']).toBe('no-referrer');
    expect(check.headers['cache-control']).toBe('no-store');
    expect(new Date(check.json().expires_at).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);

    const done = await reset(t, token);
    expect(done.statusCode).toBe(200);
    expect(done.json().access_token).toBeUndefined();
    expect((await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD)).statusCode).toBe(401);
    expect((await loginRequest(t.app, 'alice@example.com', NEW_PASSWORD)).statusCode).toBe(200);
    expect((await asUser(t.app, oldToken, 'GET', '/auth/email/me')).statusCode).toBe(401);

    await flush(t);
    await smtp.waitFor(2);
    expect(smtp.messages[1]?.subject).toMatch(/password/i);
    expect(smtp.messages[1]?.text).not.toContain(NEW_PASSWORD);
  });

  it("ends the user's OAuth grants and everything they issued, even when sessions are kept", async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port, { PASSWORD_RESET_INVALIDATE_SESSIONS: 'false' }));
    const alice = await addUser(t, { email: 'alice@example.com' });
    const Adapter = databaseAdapter(t.store);
    await new Adapter('Grant').upsert('grant-1', { accountId: alice.id, clientId: 'c1' }, 600);
    await new Adapter('RefreshToken').upsert('refresh-1', { grantId: 'grant-1', clientId: 'c1' }, 600);
    await new Adapter('Grant').upsert('grant-2', { accountId: 'someone-else', clientId: 'c1' }, 600);

    const token = await requestLink(t, smtp, 'alice@example.com');
    expect((await reset(t, token)).statusCode).toBe(200);
    expect(await new Adapter('Grant').find('grant-1')).toBeUndefined();
    expect(await new Adapter('RefreshToken').find('refresh-1')).toBeUndefined();
    expect(await new Adapter('Grant').find('grant-2')).toBeDefined();
  });

  it('rejects reuse, an older token after a newer one, an unknown token, a mismatch and a weak password', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port));
    await addUser(t, { email: 'alice@example.com' });
    const older = await requestLink(t, smtp, 'alice@example.com');
    const newer = await requestLink(t, smtp, 'alice@example.com');
    const invalid = { error: 'invalid_or_expired_token', message: 'Invalid or expired token' };

    expect((await reset(t, older)).json()).toEqual(invalid);
    expect(
      (await t.app.inject({ method: 'GET', url: `/auth/email/reset-password/${older}` })).json(),
    ).toEqual(invalid);
    expect((await reset(t, 'x'.repeat(43))).json()).toEqual(invalid);
    expect((await reset(t, 'short')).json()).toEqual(invalid);

    const mismatch = await reset(t, newer, NEW_PASSWORD, 'something else entirely');
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toEqual({ error: 'passwords_do_not_match', message: 'Passwords do not match' });
    const weak = await reset(t, newer, 'tooshort');
    expect(weak.json().error).toBe('password_policy');

    expect((await reset(t, newer)).statusCode).toBe(200);
    const reused = await reset(t, newer, 'yet another long passphrase');
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toEqual(invalid);
  });

  it('rejects a token after PASSWORD_RESET_TOKEN_EXPIRY_MINUTES', async () => {
    smtp = await startSmtpServer();
    let now = Date.now();
    t = await identityApp(dialect, mailEnv(smtp.port, { PASSWORD_RESET_TOKEN_EXPIRY_MINUTES: '60' }), {
      now: () => new Date(now),
    });
    await addUser(t, { email: 'alice@example.com' });
    const token = await requestLink(t, smtp, 'alice@example.com');
    now += 59 * 60_000;
    expect(
      (await t.app.inject({ method: 'GET', url: `/auth/email/reset-password/${token}` })).statusCode,
    ).toBe(200);
    now += 2 * 60_000;
    expect((await reset(t, token)).json().error).toBe('invalid_or_expired_token');
  });

  it('a locked account can reset, which unlocks it; the lockout itself mails the owner a reset link', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port, { MAX_FAILED_LOGIN_ATTEMPTS: '3' }));
    await addUser(t, { email: 'alice@example.com' });
    for (let i = 0; i < 3; i++) await loginRequest(t.app, 'alice@example.com', 'an attacker guessing');
    await flush(t);
    await smtp.waitFor(1);
    const lockMail = smtp.messages[0]!;
    expect(lockMail.subject).toMatch(/lock/i);
    const token = linkIn(lockMail.text ?? '');

    expect((await loginRequest(t.app, 'alice@example.com', GOOD_PASSWORD)).statusCode).toBe(401);
    expect((await reset(t, token)).statusCode).toBe(200);
    expect((await loginRequest(t.app, 'alice@example.com', NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('never builds the link from Host or X-Forwarded-Host', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port, { TRUSTED_PROXIES: '127.0.0.1' }));
    await addUser(t, { email: 'alice@example.com' });
    await forgot(t, 'alice@example.com', { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    await flush(t);
    await smtp.waitFor(1);
    expect(smtp.messages[0]?.text).not.toContain('evil.example');
    expect(smtp.messages[0]?.html).not.toContain('evil.example');
    expect(smtp.messages[0]?.text).toContain('https://gate.example.com/admin/reset-password/');
  });

  it.each([
    'alice@example.com\r\nBcc: e@evil.example',
    'alice@example.com,e@evil.example',
    'alice@example.com;e@evil.example',
  ])('header injection %j answers the same and adds no recipient', async (hostile) => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port));
    await addUser(t, { email: 'alice@example.com' });
    const response = await forgot(t, hostile);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(GENERIC);
    await flush(t);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.envelopes.flatMap((e) => e.to)).not.toContain('e@evil.example');
    expect(smtp.messages).toHaveLength(0);
  });

  it('answers unknown, disabled and over-limit addresses the same, and sends nothing for them', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(
      dialect,
      mailEnv(smtp.port, { PASSWORD_RESET_RATE_LIMIT: '2', AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100' }),
    );
    await addUser(t, { email: 'alice@example.com' });
    await addUser(t, { email: 'off@example.com', isActive: false });
    for (const email of [
      'nobody@example.com',
      'off@example.com',
      'alice@example.com',
      'alice@example.com',
      'alice@example.com',
    ]) {
      const response = await forgot(t, email);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(GENERIC);
    }
    await flush(t);
    await smtp.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.envelopes.map((e) => e.to)).toEqual([['alice@example.com'], ['alice@example.com']]);
    const limited = await t.store.authEvents.list({ limit: 10, eventType: 'password_reset_rate_limited' });
    expect(limited).toHaveLength(1);
  });

  it('throttles token guessing per IP', async () => {
    t = await identityApp(dialect, { AUTH_RATE_LIMIT_MAX_ATTEMPTS: '3' });
    for (let i = 0; i < 3; i++) {
      expect((await reset(t, `${i}`.repeat(43))).statusCode).toBe(400);
    }
    expect((await reset(t, 'z'.repeat(43))).statusCode).toBe(429);
  });

  it('keeps other sessions when PASSWORD_RESET_INVALIDATE_SESSIONS is false', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port, { PASSWORD_RESET_INVALIDATE_SESSIONS: 'false' }));
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    expect((await reset(t, await requestLink(t, smtp, 'alice@example.com'))).statusCode).toBe(200);
    expect((await asUser(t.app, session, 'GET', '/auth/email/me')).statusCode).toBe(200);
  });

  it('tells the owner when an administrator set their password', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(dialect, mailEnv(smtp.port));
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    await asUser(t.app, admin, 'PUT', '/auth/email/admin/users/bob@example.com', { password: NEW_PASSWORD });
    await flush(t);
    await smtp.waitFor(1);
    expect(smtp.envelopes[0]?.to).toEqual(['bob@example.com']);
    expect(smtp.messages[0]?.text).toMatch(/administrator/i);
    expect(smtp.messages[0]?.text).not.toContain(NEW_PASSWORD);
  });

  it('with SMTP_ENABLED=false answers the same, audits the request and queues no mail', async () => {
    t = await identityApp(dialect, { PASSWORD_RESET_MIN_RESPONSE_MS: '0' });
    await addUser(t, { email: 'alice@example.com' });
    expect((await forgot(t, 'alice@example.com')).json()).toEqual(GENERIC);
    await t.identity.background.idle();
    expect(await t.store.mailOutbox.countUnsent()).toBe(0);
    const [event] = await t.store.authEvents.list({ limit: 1, eventType: 'password_reset_requested' });
    expect(event).toMatchObject({ userEmail: 'alice@example.com', success: true, details: { mail: false } });
  });

  it('answers 403 password_reset_disabled on every reset endpoint when PASSWORD_RESET_ENABLED=false', async () => {
    t = await identityApp(dialect, { PASSWORD_RESET_ENABLED: 'false' });
    for (const [method, url] of [
      ['POST', '/auth/email/forgot-password'],
      ['GET', `/auth/email/reset-password/${'a'.repeat(43)}`],
      ['POST', `/auth/email/reset-password/${'a'.repeat(43)}`],
    ] as const) {
      const response = await t.app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toBe('password_reset_disabled');
    }
  });
});

describe('forgot-password timing', () => {
  it('median answer times of registered and unknown addresses differ by less than 5 ms over 50 requests each', async () => {
    smtp = await startSmtpServer();
    t = await identityApp(
      DIALECTS[0]!,
      mailEnv(smtp.port, {
        PASSWORD_RESET_MIN_RESPONSE_MS: '40',
        PASSWORD_RESET_RATE_LIMIT: '1000',
        AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000',
      }),
    );
    await addUser(t, { email: 'alice@example.com' });
    const time = async (email: string) => {
      const started = performance.now();
      await forgot(t!, email);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so drift on the machine affects both sides alike.
    for (let i = 0; i < 50; i++) {
      known.push(await time('alice@example.com'));
      unknown.push(await time(`nobody${i}@example.com`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(5);
  });
});
