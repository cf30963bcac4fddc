import { describe, expect, it } from 'vitest';
import { createSmtpTransport, passwordResetMessage } from '../../src/mail/index.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { smtpSettings, useMailFixture } from './fixture.ts';

const RESET_URL = 'https://gatehouse.example/reset?token=secret-token-value&x=1';
const message = passwordResetMessage({ resetUrl: RESET_URL, expiresInMinutes: 30 });

describe.each(DIALECTS)('mailer on $name', (dialect) => {
  const f = useMailFixture(dialect);

  it('delivers an enqueued message to the SMTP server with its subject, text and HTML parts and one envelope recipient', async () => {
    const server = await f.startServer();
    const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port)));

    expect(await mailer.enqueue('password_reset', ' Alice@Example.com ', message)).toBe(true);
    expect(server.messages).toHaveLength(0);
    expect(await mailer.deliverDue()).toEqual({ sent: 1, failed: 0 });

    expect(server.messages).toHaveLength(1);
    const [received] = server.messages;
    expect(received?.subject).toBe(message.subject);
    expect(received?.text).toBe(message.text);
    expect(received?.html).toBe(message.html);
    expect(received?.from?.value).toEqual([{ address: 'gatehouse@example.com', name: 'Gatehouse' }]);
    expect(received?.to && !Array.isArray(received.to) ? received.to.value : null).toEqual([
      { address: 'alice@example.com', name: '' },
    ]);
    expect(received?.cc).toBeUndefined();
    expect(received?.bcc).toBeUndefined();
    expect(server.envelopes).toEqual([{ from: 'gatehouse@example.com', to: ['alice@example.com'] }]);
  });

  it('refuses header-injection and multi-recipient addresses in enqueue, so the server receives nothing', async () => {
    const server = await f.startServer();
    const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port)));
    for (const to of [
      'a@x.com\r\nBcc: e@evil.example',
      'a@x.com\nBcc: e@evil.example',
      'a@x.com,e@evil.example',
      'a@x.com;e@evil.example',
      '"Alice" <a@x.com>',
    ]) {
      expect(await mailer.enqueue('password_reset', to, message)).toBe(false);
    }
    expect(await f.store.mailOutbox.list(10)).toEqual([]);
    expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 0 });
    expect(server.messages).toHaveLength(0);
    expect(f.logText()).toContain('"mail_invalid_recipient":true');
    expect(f.logText()).not.toContain('evil.example');
  });

  it('with transport null (SMTP disabled) stores nothing, sends nothing and logs mail_disabled', async () => {
    const mailer = f.mailer(f.store, null);
    expect(await mailer.enqueue('password_reset', 'alice@example.com', message)).toBe(false);
    expect(await f.store.mailOutbox.list(10)).toEqual([]);
    expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 0 });
    const line = JSON.parse(f.logText().trim().split('\n').at(-1) ?? '{}');
    expect(line).toMatchObject({ level: 30, mail_kind: 'password_reset', mail_disabled: true });
  });

  it('blanks the text and HTML bodies of a delivered message in the outbox', async () => {
    const server = await f.startServer();
    const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port)));
    await mailer.enqueue('password_reset', 'alice@example.com', message);
    await mailer.deliverDue();

    const [row] = await f.store.mailOutbox.list(10);
    expect(row).toMatchObject({ text: '', html: '', subject: message.subject, lastError: null });
    expect(row?.sentAt).toEqual(f.clock.now());
    expect(await f.store.mailOutbox.countUnsent()).toBe(0);
  });

  it('delivers a message enqueued before a restart, from a new store and mailer on the same database', async () => {
    const server = await f.startServer();
    const before = f.openStore();
    const first = f.mailer(before, createSmtpTransport(smtpSettings(server.port)));
    expect(await first.enqueue('password_reset', 'alice@example.com', message)).toBe(true);
    await first.stop();
    await before.close();

    const after = f.openStore();
    const second = f.mailer(after, createSmtpTransport(smtpSettings(server.port)));
    expect(await second.deliverDue()).toEqual({ sent: 1, failed: 0 });
    expect(server.messages.map((m) => m.subject)).toEqual([message.subject]);
    expect(server.envelopes[0]?.to).toEqual(['alice@example.com']);
  });

  it('delivers each message exactly once when two mailers on the same database run deliverDue at the same time', async () => {
    const server = await f.startServer();
    const a = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port)), { batchSize: 3 });
    const b = f.mailer(f.openStore(), createSmtpTransport(smtpSettings(server.port)), { batchSize: 3 });
    const subjects = Array.from({ length: 8 }, (_, i) => `message ${i}`);
    for (const subject of subjects) await a.enqueue('test', 'alice@example.com', { ...message, subject });

    let sent = 0;
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([a.deliverDue(), b.deliverDue()]);
      for (const result of results) {
        expect(result.failed).toBe(0);
        sent += result.sent;
      }
    }
    expect(sent).toBe(8);
    expect(server.messages.map((m) => m.subject).sort()).toEqual(subjects);
    expect(await f.store.mailOutbox.countUnsent()).toBe(0);
  });

  it('start() delivers in the background and stop() ends the loop', async () => {
    const server = await f.startServer();
    const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port)), {
      pollIntervalMs: 10,
    });
    mailer.start();
    await mailer.enqueue('password_reset', 'alice@example.com', message);
    await server.waitFor(1);
    await mailer.stop();
    await mailer.enqueue('password_reset', 'bob@example.com', message);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.envelopes.map((e) => e.to)).toEqual([['alice@example.com']]);
    expect(await f.store.mailOutbox.countUnsent()).toBe(1);
  });
});
