import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type AttackerSite, mcpInitializeStatus, startAttackerSite, watchPage } from '../helpers/admin-ui.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { authorizeInBrowser, Browser as OAuthBrowser, pkcePair } from '../helpers/oauth-browser.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { TEST_BROWSER } from '../helpers/services.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const ADMIN = 'admin@example.com';
const ADMIN_PASSWORD = 'an operator passphrase here';
const BOB = 'bob@example.com';
const BOB_PASSWORD = 'a quiet river at dawn 2026';
const MAX_FAILURES = 3;
// The documentation's screenshots (docs/admin-ui.md), rewritten by every run.
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));

let database: TestDatabase | undefined;
let smtp: TestSmtpServer | undefined;
let server: ServerProcess | undefined;
let browser: Browser | undefined;
let attacker: AttackerSite | undefined;
let base = '';
let adminToken = '';
let oauthClientId = '';
let bobPassword = BOB_PASSWORD;
let adminContext: BrowserContext;
let admin: Page;
const pageErrors: string[] = [];
const contexts: BrowserContext[] = [];

async function apiAsAdmin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser!.newContext({ viewport });
  // Shorter than the test's own timeout, so a failed wait says what it waited for.
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  const page = await context.newPage();
  await watchPage(page, pageErrors);
  return page;
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function screenshot(page: Page, name: string): Promise<void> {
  // No focus ring in the documentation's images, and the sticky header drawn only at the top.
  await page.evaluate('document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)');
  await page.screenshot({ path: `${IMAGES}${name}.png`, fullPage: true });
}

/** The text of the first mail to `to` with `subject`, once it has arrived. */
async function mailTo(to: string, subject: string): Promise<string> {
  const index = () =>
    smtp!.messages.findIndex((m, i) => m.subject === subject && smtp!.envelopes[i]!.to.includes(to));
  await expect.poll(index, { timeout: 15_000 }).toBeGreaterThanOrEqual(0);
  return smtp!.messages[index()]!.text ?? '';
}

async function heading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function apiStatus(method: string, path: string, body: unknown, token?: string): Promise<number> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

describe.skipIf(!TEST_BROWSER)('the admin UI in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    mkdirSync(IMAGES, { recursive: true });
    database = await DIALECTS[0]!.create();
    smtp = await startSmtpServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServerProcess({
      env: {
        PORT: String(port),
        PUBLIC_BASE_URL: base,
        DATABASE_URL: database.url,
        PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
        MAX_FAILED_LOGIN_ATTEMPTS: String(MAX_FAILURES),
        AUTH_RATE_LIMIT_MAX_ATTEMPTS: '1000',
        SMTP_ENABLED: 'true',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_FROM_EMAIL: 'gatehouse@example.com',
        SMTP_USE_TLS: 'false',
      },
    });
    const login = await fetch(`${base}/auth/email/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN, password: ADMIN_PASSWORD }),
    });
    adminToken = ((await login.json()) as { access_token: string }).access_token;
    const backend = await apiAsAdmin('POST', '/backends', {
      name: 'echo',
      transport: 'stdio',
      description: 'Echo tools (test fixture)',
      ...stdioFixtureCommand('echo'),
    });
    expect(backend.status).toBe(201);
    const client = await apiAsAdmin('POST', '/oauth/clients', {
      client_name: 'Claude Desktop',
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    expect(client.status).toBe(201);
    oauthClientId = ((await client.json()) as { client_id: string }).client_id;

    browser = await launchBrowser(TEST_BROWSER!);
    admin = await newPage();
    adminContext = admin.context();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await attacker?.stop();
    await server?.stop();
    await smtp?.stop();
    await database?.drop();
  });

  afterEach(() => {
    // No script error and no CSP violation in any flow.
    expect(pageErrors.splice(0)).toEqual([]);
  });

  it('keeps the session in an HttpOnly SameSite cookie, restores it after a reload, and signs out', async () => {
    await admin.goto(`${base}/admin/users`);
    // Not signed in: the app asks for a login and comes back afterwards.
    await heading(admin, 'Sign in');
    expect(new URL(admin.url()).searchParams.get('next')).toBe('/users');
    await screenshot(admin, 'admin-login');
    await admin.fill('#login-email', ADMIN);
    await admin.fill('#login-password', 'not the password at all');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByText('Invalid email or password.').waitFor();
    expect(await admin.getAttribute('#login-password', 'aria-describedby')).toContain('login-error');

    await admin.fill('#login-password', ADMIN_PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await heading(admin, 'Users');

    const cookies = await adminContext.cookies(base);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ['gatehouse_session', true, 'Strict', '/'],
    ]);
    expect(await admin.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([
      0,
      0,
      '',
    ]);

    await admin.reload();
    await heading(admin, 'Users');

    await admin.getByRole('button', { name: 'Sign out' }).click();
    await heading(admin, 'Sign in');
    await admin.goto(`${base}/admin/users`);
    await heading(admin, 'Sign in');
    expect(await adminContext.cookies(base)).toEqual([]);
    // `/dashboard` is an old name of the UI.
    const dashboard = await fetch(`${base}/dashboard`, { redirect: 'manual' });
    expect([dashboard.status, dashboard.headers.get('location')]).toEqual([302, '/admin']);
  });

  it('creates a user, shows them Locked after failed logins, unlocks them, and they log in', async () => {
    await signIn(admin, ADMIN, ADMIN_PASSWORD);
    await heading(admin, 'Overview');
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(admin, 'Users');
    // Navigation moves focus to the new page's heading.
    expect(await admin.evaluate('document.activeElement && document.activeElement.tagName')).toBe('H1');

    await admin.getByRole('button', { name: 'New user' }).click();
    await admin.fill('#new-user-email', BOB);
    await admin.fill('#new-user-name', 'Bob Builder');
    await admin.fill('#new-user-password', BOB_PASSWORD);
    await admin.fill('#new-user-confirm', BOB_PASSWORD);
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByText(`User ${BOB} created.`).waitFor();
    const row = admin.locator(`tr[data-email="${BOB}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Active');

    const bob = await newPage();
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt++) {
      await signIn(bob, BOB, `wrong passphrase number ${attempt}`);
      await bob.getByText('Invalid email or password.').waitFor();
    }
    // Locked: even the right password is refused, with the same generic answer.
    await signIn(bob, BOB, BOB_PASSWORD);
    await bob.getByText('Invalid email or password.').waitFor();

    await admin.getByRole('button', { name: 'Refresh' }).click();
    await row.getByText('Locked', { exact: true }).waitFor();
    expect(await row.textContent()).toContain(`${MAX_FAILURES} failed attempts`);
    expect(await row.textContent()).toMatch(/Unlocks in \d+ minutes/);
    // The owner is told by mail.
    expect(await mailTo(BOB, 'Your Gatehouse account was locked')).toContain('locked');
    // The filter and the search find the locked user.
    await admin.selectOption('#user-filter', 'locked');
    expect(await admin.locator('#users-table tbody tr').count()).toBe(1);
    await admin.selectOption('#user-filter', 'all');
    await admin.fill('#user-search', 'builder');
    expect(await admin.locator('#users-table tbody tr').count()).toBe(1);
    await admin.fill('#user-search', '');
    await screenshot(admin, 'admin-users');

    await row.getByRole('button', { name: `Unlock ${BOB}` }).click();
    await admin.getByText(`${BOB} unlocked.`).waitFor();
    await expect.poll(() => row.getByText('Locked', { exact: true }).count()).toBe(0);

    await signIn(bob, BOB, BOB_PASSWORD);
    await heading(bob, 'Your profile');
    // A user who is not an admin sees only their profile and keys.
    const nav = bob.getByRole('navigation', { name: 'Main' }).getByRole('link');
    expect(await nav.allTextContents()).toEqual(['API keys', 'Profile']);
    await bob.goto(`${base}/admin/users`);
    await heading(bob, 'Your profile');
  });

  it('sends a reset mail for a forgotten password, and the new password from the reset page works', async () => {
    const page = await newPage();
    await page.goto(`${base}/admin/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await heading(page, 'Forgot your password?');
    await page.fill('#forgot-email', BOB);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.locator('.notice-ok').waitFor();

    const mail = await mailTo(BOB, 'Reset your Gatehouse password');
    const link = new RegExp(`${base}/admin/reset-password/[A-Za-z0-9_-]{43}`).exec(mail)?.[0];
    expect(link).toBeDefined();

    await page.goto(link!);
    await page.waitForSelector('#form:not([hidden])');
    expect(await page.textContent('#rules')).toContain('15');
    await page.fill('#new_password', 'short');
    await page.fill('#confirm_password', 'short');
    await page.click('button[type=submit]');
    await page.waitForSelector('#message.error');
    expect(await page.textContent('#message')).toContain('at least 15 characters');

    const fresh = 'a fresh passphrase after the reset';
    await page.fill('#new_password', fresh);
    await page.fill('#confirm_password', fresh);
    await screenshot(page, 'admin-reset-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('#message.ok');
    expect(await page.textContent('#message')).toContain('Your password has been reset');

    await signIn(page, BOB, BOB_PASSWORD);
    await page.getByText('Invalid email or password.').waitFor();
    await signIn(page, BOB, fresh);
    await heading(page, 'Your profile');
  });

  it('sets a password for a user: a mismatch and a weak password are refused, then it is updated', async () => {
    await admin.goto(`${base}/admin/users`);
    await admin.getByRole('link', { name: BOB, exact: true }).click();
    await heading(admin, BOB);

    await admin.fill('#set-password', 'an admin chosen passphrase');
    await admin.fill('#set-confirm', 'an admin chosen passphrase, typo');
    await admin.getByRole('button', { name: 'Set password' }).click();
    await admin.locator('#set-confirm-error').getByText('Passwords do not match').waitFor();
    expect(await admin.getAttribute('#set-confirm', 'aria-describedby')).toContain('set-confirm-error');
    expect(await admin.getAttribute('#set-confirm', 'aria-invalid')).toBe('true');

    await admin.fill('#set-password', 'too short');
    await admin.fill('#set-confirm', 'too short');
    // The rules are checked as the admin types.
    expect(await admin.locator('#set-rules li.rule-unmet').first().textContent()).toContain('At least 15');
    await admin.getByRole('button', { name: 'Set password' }).click();
    const message = admin.locator('#password-message');
    await message.getByText('Password validation failed').waitFor();
    expect(await message.textContent()).toContain('Password must be at least 15 characters');

    const chosen = 'an admin chosen passphrase';
    await admin.fill('#set-password', chosen);
    await admin.fill('#set-confirm', chosen);
    await admin.getByRole('button', { name: 'Set password' }).click();
    await message.getByText('User updated successfully').waitFor();
    bobPassword = chosen;
    await admin.locator('#preview-title').scrollIntoViewIfNeeded();
    await admin.locator('.tool-list li').first().waitFor();
    await screenshot(admin, 'admin-user-edit');
    expect(await apiStatus('POST', '/auth/email/login', { email: BOB, password: chosen })).toBe(200);
  });

  it("edits a user's MCP access: tool rules and blocked backends change the preview of their tools", async () => {
    await admin.goto(`${base}/admin/users/${encodeURIComponent(BOB)}`);
    await heading(admin, BOB);
    const tools = admin.locator('.tool-list li');
    await expect.poll(() => tools.count()).toBe(11);

    await admin.getByRole('button', { name: 'Add rule' }).click();
    const rule = admin.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Backend').selectOption('echo');
    await rule.getByLabel('Deny').fill('crash, slow');
    await admin.getByRole('button', { name: 'Save access' }).click();
    await admin.locator('#access-message').getByText('Access saved.').waitFor();
    await expect.poll(() => tools.count()).toBe(9);
    expect(await tools.allTextContents()).not.toContain('echo__crash');
    const stored = (await (await apiAsAdmin('GET', `/users/${encodeURIComponent(BOB)}`)).json()) as {
      tool_rules: unknown;
    };
    expect(stored.tool_rules).toEqual([{ backend: 'echo', allow: [], deny: ['crash', 'slow'] }]);

    await admin.getByLabel('Block echo').check();
    await admin.getByRole('button', { name: 'Save access' }).click();
    await admin.getByText('No tools: this user sees nothing on /mcp.').waitFor();

    await admin.getByLabel('Block echo').uncheck();
    await rule.getByRole('button', { name: 'Remove rule 1' }).click();
    await admin.getByRole('button', { name: 'Save access' }).click();
    await expect.poll(() => tools.count()).toBe(11);
  });

  it('refuses to demote the last admin with "Cannot modify last admin"', async () => {
    await admin.goto(`${base}/admin/users/${encodeURIComponent(ADMIN)}`);
    await heading(admin, ADMIN);
    await admin.uncheck('#edit-admin');
    await admin.getByRole('button', { name: 'Save changes' }).click();
    await admin.locator('#details-message').getByText('Cannot modify last admin').waitFor();
    const me = (await (await apiAsAdmin('GET', `/auth/email/admin/users/${ADMIN}`)).json()) as {
      is_admin: boolean;
    };
    expect(me.is_admin).toBe(true);
  });

  it('forces a password change: the user must choose a new password before going on', async () => {
    const created = await apiAsAdmin('POST', '/auth/email/admin/users', {
      email: 'carol@example.com',
      password: 'a temporary passphrase 2026',
      full_name: 'Carol',
      password_change_required: true,
    });
    expect(created.status).toBe(201);
    const carol = await newPage();
    await signIn(carol, 'carol@example.com', 'a temporary passphrase 2026');
    await heading(carol, 'Choose a new password');
    await carol.goto(`${base}/admin/keys`);
    await heading(carol, 'Choose a new password');
    await carol.fill('#current-password', 'a temporary passphrase 2026');
    await carol.fill('#change-new-password', 'my own passphrase from now on');
    await carol.fill('#change-confirm-password', 'my own passphrase from now on');
    await carol.getByRole('button', { name: 'Change password and continue' }).click();
    await heading(carol, 'Your profile');
    // The change replaced the session and its CSRF token: the next change goes through.
    await carol.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await carol.fill('#own-keys-name', 'after the change');
    await carol.getByRole('button', { name: 'Create key' }).click();
    expect(await carol.locator('#own-keys-secret').inputValue()).toMatch(/^mcpgw_/);
    await carol.reload();
    await heading(carol, 'API keys');

    // Deleting asks first, in a modal dialog; Escape backs out.
    await admin.goto(`${base}/admin/users/${encodeURIComponent('carol@example.com')}`);
    await heading(admin, 'carol@example.com');
    await admin.getByRole('button', { name: 'Delete user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Delete carol@example.com?' });
    await dialog.waitFor();
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await admin.getByRole('button', { name: 'Delete user' }).click();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await heading(admin, 'Users');
    await admin.getByText('User carol@example.com deleted.').waitFor();
    expect((await apiAsAdmin('GET', '/auth/email/admin/users/carol@example.com')).status).toBe(404);
  });

  it('creates an API key shown once, which opens /mcp until it is revoked in the UI', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await heading(admin, 'API keys');
    await admin.fill('#own-keys-name', 'laptop');
    await admin.selectOption('#own-keys-ttl', '30');
    await admin.getByRole('button', { name: 'Create key' }).click();
    const secret = await admin.locator('#own-keys-secret').inputValue();
    expect(secret).toMatch(/^mcpgw_[A-Za-z0-9_-]{40,}$/);
    await admin.locator('tr', { hasText: 'laptop' }).getByText('Active').waitFor();
    await screenshot(admin, 'admin-api-keys');

    expect(await mcpInitializeStatus(base, secret)).toBe(200);

    await admin.getByRole('button', { name: 'I have saved it' }).click();
    await admin.reload();
    await heading(admin, 'API keys');
    await admin.locator('tr', { hasText: 'laptop' }).waitFor();
    expect(await admin.content()).not.toContain(secret);

    await admin.getByRole('button', { name: 'Revoke key laptop' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Revoke this key?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await admin.getByText('Key “laptop” revoked.').waitFor();
    await admin.locator('tr', { hasText: 'laptop' }).getByText('Revoked').waitFor();

    expect(await mcpInitializeStatus(base, secret)).toBe(401);
  });

  it('refuses cross-site form posts and token-less requests, and cannot be framed', async () => {
    const evil = { email: 'mallory@example.com', password: 'a sneaky passphrase value', x: '' };
    // text/plain lets a form send a body that reads as JSON; only the CSRF token can tell it apart.
    const formBody = JSON.stringify(evil).replace(/""}$/, '');
    attacker = await startAttackerSite({
      '/form': `<!doctype html><form method="post" enctype="text/plain" action="${base}/auth/email/admin/users">
        <input type="hidden" name='${formBody}' value='"}'></form>
        <script>document.forms[0].submit()</script>`,
      '/fetch': `<!doctype html><p id="done">…</p><script>
        fetch('${base}/auth/keys', { method: 'POST', mode: 'no-cors', credentials: 'include',
          headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'stolen' }) })
          .finally(() => { document.getElementById('done').textContent = 'sent'; });
        </script>`,
      '/frame': `<!doctype html><iframe id="ui" src="${base}/admin/users" width="800" height="600"></iframe>`,
    });
    // The admin is signed in (a session cookie) while visiting the other site.
    await admin.goto(`${base}/admin`);
    await heading(admin, 'Overview');
    const attackPage = await adminContext.newPage();
    const attackConsole: string[] = [];
    attackPage.on('console', (message) => attackConsole.push(message.text()));

    // Same site (127.0.0.1), other origin: the browser sends the SameSite cookie, so the token decides.
    for (const host of ['127.0.0.1', 'localhost']) {
      const answer = attackPage.waitForResponse((r) => r.url() === `${base}/auth/email/admin/users`);
      await attackPage.goto(attacker.url('/form', host));
      const response = await answer;
      expect(response.request().method()).toBe('POST');
      // From 127.0.0.1 the cookie comes along and the CSRF check refuses; from localhost
      // (another site) SameSite=Strict keeps the cookie home, so there is no session at all.
      expect(response.status()).toBe(host === '127.0.0.1' ? 403 : 401);
      if (host === '127.0.0.1') {
        expect(await response.json()).toEqual({
          error: 'forbidden',
          message: 'Missing or invalid CSRF token',
        });
      }
    }
    expect((await apiAsAdmin('GET', '/auth/email/admin/users/mallory@example.com')).status).toBe(404);

    const keyAnswer = attackPage.waitForResponse((r) => r.url() === `${base}/auth/keys`);
    await attackPage.goto(attacker.url('/fetch'));
    expect((await keyAnswer).status()).toBe(403);
    await attackPage.locator('#done', { hasText: 'sent' }).waitFor();
    const keys = (await (await apiAsAdmin('GET', '/auth/keys')).json()) as { keys: { name: string }[] };
    expect(keys.keys.map((k) => k.name)).not.toContain('stolen');

    // Framing: the UI's answers forbid it, and Chromium does not render the frame.
    const ui = await fetch(`${base}/admin/users`);
    expect(ui.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(ui.headers.get('x-frame-options')).toBe('DENY');
    const scripts: string[] = [];
    attackPage.on('request', (request) => {
      if (request.url().startsWith(`${base}/admin/assets/`)) scripts.push(request.url());
    });
    await attackPage.goto(attacker.url('/frame'));
    await attackPage.waitForLoadState('load');
    const frame = attackPage.frames().find((f) => f !== attackPage.mainFrame());
    expect(frame).toBeDefined();
    await expect.poll(() => attackConsole.some((text) => text.includes("frame-ancestors 'none'"))).toBe(true);
    expect(frame!.url()).not.toContain('/admin/users');
    expect(await frame!.locator('#app').count()).toBe(0);
    expect(scripts).toEqual([]);
    await attackPage.close();
  });

  it('shows backends with their health, the audit log with lockouts and resets, OAuth clients, and the profile', async () => {
    await admin.goto(`${base}/admin/backends`);
    await heading(admin, 'Backends');
    const echo = admin.locator('tr[data-backend="echo"]');
    await echo.getByText('Ready').waitFor({ timeout: 15_000 });
    expect(await echo.locator('td[data-label="Tools"]').textContent()).not.toBe('—');
    await admin.getByRole('button', { name: 'Add backend' }).click();
    await admin.fill('#backend-name', 'echo');
    await admin.fill('#backend-command', 'npx');
    await admin.getByRole('button', { name: 'Add backend' }).click();
    await admin.locator('#backend-name-error').waitFor();
    expect(await admin.getAttribute('#backend-name', 'aria-describedby')).toContain('backend-name-error');
    await admin.getByRole('button', { name: 'Cancel' }).click();
    await echo.getByRole('button', { name: 'Disable echo' }).click();
    await echo.getByText('Disabled').waitFor();
    await echo.getByRole('button', { name: 'Enable echo' }).click();
    await echo.getByText('Disabled').waitFor({ state: 'detached' });
    // A lazy backend connects on first use: a tool preview uses it.
    expect((await apiAsAdmin('GET', `/auth/email/admin/users/${BOB}/tools`)).status).toBe(200);
    await admin.getByRole('button', { name: 'Refresh' }).click();
    await echo.getByText('Ready').waitFor({ timeout: 15_000 });
    await screenshot(admin, 'admin-backends');

    await admin.goto(`${base}/admin/audit`);
    await heading(admin, 'Audit log');
    const locked = admin.locator('tr[data-event-type="account_locked"]');
    await locked.first().waitFor();
    expect(await locked.first().getAttribute('class')).toContain('event-lockout');
    expect(
      await admin.locator('tr[data-event-type="password_reset_completed"]').first().getAttribute('class'),
    ).toContain('event-reset');
    expect(await admin.locator('tr[data-event-type="login_failed"]').first().getAttribute('class')).toContain(
      'event-failure',
    );
    await screenshot(admin, 'admin-audit');
    await admin.fill('#audit-type', 'account_locked');
    await admin.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(
        async () =>
          new Set(
            await admin
              .locator('tbody tr')
              .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-type'))),
          ),
      )
      .toEqual(new Set(['account_locked']));

    // Bob authorizes the OAuth client (sign-in and consent pages), which makes a grant.
    const { challenge } = pkcePair();
    const authorize = new URL(`${base}/oauth/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: oauthClientId,
      redirect_uri: 'http://127.0.0.1/callback',
      scope: 'mcp',
      resource: `${base}/mcp`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'ui-test',
    }))
      authorize.searchParams.set(name, value);
    const landed = await authorizeInBrowser(new OAuthBrowser(), authorize.toString(), base, {
      identifier: BOB,
      password: bobPassword,
    });
    expect(landed.searchParams.get('code')).toEqual(expect.any(String));

    await admin.goto(`${base}/admin/oauth`);
    await heading(admin, 'OAuth');
    await admin
      .getByRole('table', { name: 'Clients' })
      .getByRole('row', { name: /Claude Desktop/ })
      .waitFor();
    const grant = admin.getByRole('table', { name: 'Grants' }).getByRole('row', { name: new RegExp(BOB) });
    await grant.waitFor();
    expect(await grant.textContent()).toContain('Claude Desktop');
    await screenshot(admin, 'admin-oauth');
    await grant.getByRole('button', { name: `Revoke grant of ${BOB}` }).click();
    await admin
      .getByRole('dialog', { name: 'Revoke this grant?' })
      .getByRole('button', { name: 'Revoke grant' })
      .click();
    await admin.getByText('No user has authorized a client.').waitFor();
    const grants = (await (await apiAsAdmin('GET', '/oauth/grants')).json()) as { grants: unknown[] };
    expect(grants.grants).toEqual([]);

    await admin.goto(`${base}/admin/profile`);
    await heading(admin, 'Your profile');
    await screenshot(admin, 'admin-profile');

    await admin.goto(`${base}/admin`);
    await heading(admin, 'Overview');
    await admin.locator('.event-list li').first().waitFor();
    await screenshot(admin, 'admin-overview');
  });

  it('fits a 375 px wide screen', async () => {
    const phone = await newPage({ width: 375, height: 740 });
    await signIn(phone, ADMIN, ADMIN_PASSWORD);
    await heading(phone, 'Overview');
    await phone.getByRole('button', { name: 'Menu' }).click();
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading(phone, 'Users');
    await phone.locator(`tr[data-email="${BOB}"]`).waitFor();
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(phone, 'admin-users-mobile');
  });
});
