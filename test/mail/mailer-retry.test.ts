import { describe, expect, it } from 'vitest';
import { createSmtpTransport, defaultBackoff, passwordResetMessage } from '../../src/mail/index.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';
import { type MailFixture, smtpSettings, useMailFixture } from './fixture.ts';

const RESET_URL = 'https://gatehouse.example/reset?token=secret-token-value';
const message = passwordResetMessage({ resetUrl: RESET_URL, expiresInMinutes: 30 });

// A port where nothing listens: one whose server was stopped, or one never used.
async function deadPort(f: MailFixture, how: 'stopped' | 'never started'): Promise<number> {
  if (how === 'never started') return freePort();
  const server = await f.startServer();
  await server.stop();
  return server.port;
}

describe('defaultBackoff', () => {
  it('doubles from 10 s for the first failure, caps at 15 min and jitters by at most ±20%', () => {
    expect(defaultBackoff(1, () => 0.5)).toBe(10_000);
    expect(defaultBackoff(3, () => 0.5)).toBe(40_000);
    expect(defaultBackoff(20, () => 0.5)).toBe(15 * 60_000);
    expect(defaultBackoff(1, () => 0)).toBe(8_000);
    expect(defaultBackoff(1, () => 0.999999)).toBe(12_000);
  });
});

describe.each(DIALECTS)('mailer retries on $name', (dialect) => {
  const f = useMailFixture(dialect);

  it.each(['stopped', 'never started'] as const)(
    'records a failure while the SMTP server is down (%s) and delivers exactly once after the backoff when it is back',
    async (how) => {
      const port = await deadPort(f, how);
      const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(port)));
      await mailer.enqueue('password_reset', 'alice@example.com', message);

      expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 1 });
      const [failed] = await f.store.mailOutbox.list(10);
      expect(failed).toMatchObject({ attempts: 1, sentAt: null, text: message.text });
      expect(failed?.lastError).toMatch(/^E[A-Z]+/);
      expect(failed?.nextAttemptAt).toEqual(new Date(f.clock.now().getTime() + 60_000));

      const server = await f.startServer({ port });
      f.clock.advance(59_999);
      expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 0 });
      expect(server.messages).toHaveLength(0);

      f.clock.advance(1);
      expect(await mailer.deliverDue()).toEqual({ sent: 1, failed: 0 });
      f.clock.advance(3_600_000);
      expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 0 });
      expect(server.messages.map((m) => m.text)).toEqual([message.text]);
    },
  );

  it('stops sending a batch once half the lease has passed and sends the rest after the lease runs out', async () => {
    const server = await f.startServer();
    const smtp = createSmtpTransport(smtpSettings(server.port));
    // The real transport, on a clock that moves 20 s per message: a slow SMTP server.
    const slow = {
      send: async (mail: Parameters<typeof smtp.send>[0]) => {
        await smtp.send(mail);
        f.clock.advance(20_000);
      },
      close: () => smtp.close(),
    };
    const mailer = f.mailer(f.store, slow, { leaseMs: 60_000 });
    for (const to of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']) {
      await mailer.enqueue('test', to, message);
    }

    expect(await mailer.deliverDue()).toEqual({ sent: 2, failed: 0 });
    expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 0 });
    f.clock.advance(20_001);
    expect(await mailer.deliverDue()).toEqual({ sent: 2, failed: 0 });
    expect(server.envelopes.flatMap((e) => e.to).sort()).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
      'd@example.com',
    ]);
  });

  it('logs a failed delivery with its id, kind, attempts and error code, never its body, link or token', async () => {
    const port = await freePort();
    const mailer = f.mailer(
      f.store,
      createSmtpTransport(smtpSettings(port, { SMTP_USER: 'mailer', SMTP_PASSWORD: 'smtp-pass' })),
    );
    await mailer.enqueue('password_reset', 'alice@example.com', message);
    await mailer.deliverDue();

    const [row] = await f.store.mailOutbox.list(1);
    const lines = f
      .logText()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const failure = lines.find((l) => l.msg === 'mail delivery failed; will retry');
    expect(failure).toMatchObject({ level: 40, mail_id: row?.id, mail_kind: 'password_reset', attempts: 1 });
    expect(failure.error).toBe('ESOCKET ECONNREFUSED');
    expect(row?.lastError).toBe('ESOCKET ECONNREFUSED');
    for (const secret of ['secret-token-value', RESET_URL, 'smtp-pass', message.subject]) {
      expect(f.logText()).not.toContain(secret);
    }
  });
});
