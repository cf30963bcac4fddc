import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { TEST_BROWSER } from '../helpers/services.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

let browser: Browser | undefined;
let server: ServerProcess | undefined;
let smtp: TestSmtpServer | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
  await database?.drop();
  browser = server = smtp = database = undefined;
});

describe.skipIf(!TEST_BROWSER)('the reset page in Chromium', () => {
  it('follows the mailed link, shows the policy, sets the new password, and the new password logs in', async () => {
    database = await DIALECTS[0]!.create();
    smtp = await startSmtpServer();
    const port = await freePort();
    server = await startServerProcess({
      env: {
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: database.url,
        PLATFORM_ADMIN_PASSWORD: 'an operator passphrase here',
        SMTP_ENABLED: 'true',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_FROM_EMAIL: 'gatehouse@example.com',
        SMTP_USE_TLS: 'false',
      },
    });
    await fetch(`${server.baseUrl}/auth/email/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com' }),
    });
    await smtp.waitFor(1, 15_000);
    const link = /http:\/\/127\.0\.0\.1:\d+\/admin\/reset-password\/[A-Za-z0-9_-]{43}/.exec(
      smtp.messages[0]?.text ?? '',
    )?.[0];
    expect(link).toBeDefined();

    browser = await launchBrowser(TEST_BROWSER!);
    const page = await browser.newPage();
    // Script errors and CSP violations; a 400 answer the page handles is not one.
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        pageErrors.push(message.text());
      }
    });
    await page.goto(link!);
    await page.waitForSelector('#form:not([hidden])');
    expect(await page.textContent('#rules')).toContain('15');
    await page.fill('#new_password', 'a browser chosen passphrase');
    await page.fill('#confirm_password', 'a different passphrase typed');
    await page.click('button[type=submit]');
    await page.waitForSelector('#message.error');
    expect(await page.textContent('#message')).toBe('Passwords do not match');

    await page.fill('#confirm_password', 'a browser chosen passphrase');
    await page.click('button[type=submit]');
    await page.waitForSelector('#message.ok');
    expect(await page.textContent('#message')).toContain('Your password has been reset');
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/gatehouse-reset-page.png` });

    const login = await fetch(`${server.baseUrl}/auth/email/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'a browser chosen passphrase' }),
    });
    expect(login.status).toBe(200);

    // The same link now says it is spent.
    await page.goto(link!);
    await page.waitForSelector('#status:has-text("invalid or has expired")');
  }, 60_000);
});
