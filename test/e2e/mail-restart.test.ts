import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

let server: ServerProcess | undefined;
let smtp: TestSmtpServer | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  await smtp?.stop();
  await database?.drop();
  server = smtp = database = undefined;
});

describe.each(DIALECTS)('mail while the SMTP server is down, on $name', (dialect) => {
  it('forgot-password still answers 200, and the mail arrives after SMTP and Gatehouse come back', async () => {
    database = await dialect.create();
    const smtpPort = await freePort(); // nothing listens here yet: SMTP is down
    const env = {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: 'an operator passphrase here',
      SMTP_ENABLED: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtpPort),
      SMTP_FROM_EMAIL: 'gatehouse@example.com',
      SMTP_USE_TLS: 'false',
      SMTP_TIMEOUT_SECONDS: '2',
      PUBLIC_BASE_URL: 'https://gate.example.com',
    };
    server = await startServerProcess({ env });
    const response = await fetch(`${server.baseUrl}/auth/email/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      message: 'If this email is registered, a reset link has been sent',
    });
    // Let the outbox worker fail at least once against the closed port, then stop Gatehouse.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });

    smtp = await startSmtpServer({ port: smtpPort });
    server = await startServerProcess({ env });
    // The first retry is due about 10 s after the failure (backoff), then the worker polls every 2 s.
    await smtp.waitFor(1, 25_000);
    expect(smtp.envelopes[0]?.to).toEqual(['admin@example.com']);
    expect(smtp.messages[0]?.text).toContain('https://gate.example.com/admin/reset-password/');
  }, 45_000);
});
