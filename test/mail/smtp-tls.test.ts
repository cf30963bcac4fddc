import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpTransport, passwordResetMessage } from '../../src/mail/index.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { makeSelfSignedCert } from '../helpers/smtp.ts';
import { smtpSettings, useMailFixture } from './fixture.ts';

const message = passwordResetMessage({
  resetUrl: 'https://gatehouse.example/reset?t=1',
  expiresInMinutes: 30,
});
let cert: { key: string; cert: string; certPath: string };

beforeAll(() => {
  cert = makeSelfSignedCert();
});
afterAll(() => {
  rmSync(dirname(cert.certPath), { recursive: true, force: true });
});

describe('createSmtpTransport', () => {
  it('throws a TypeError naming SMTP_TLS_CA_FILE when that file is missing', () => {
    const missing = join(dirname(cert.certPath), 'missing.pem');
    const settings = smtpSettings(2525, { SMTP_TLS_CA_FILE: missing });
    expect(() => createSmtpTransport(settings)).toThrow(TypeError);
    expect(() => createSmtpTransport(settings)).toThrow(missing);
  });
});

// STARTTLS: a plain connection upgraded on request (SMTP_USE_TLS). Implicit TLS: encrypted from the first byte (SMTP_USE_SSL).
const MODES = [
  { mode: 'STARTTLS', server: { starttls: true }, env: { SMTP_USE_TLS: 'true' } },
  { mode: 'implicit TLS', server: { secure: true }, env: { SMTP_USE_SSL: 'true' } },
] as const;

describe.each(DIALECTS)('SMTP over TLS on $name', (dialect) => {
  const f = useMailFixture(dialect);

  describe.each(MODES)('$mode', ({ server: serverOptions, env }) => {
    it("delivers when SMTP_TLS_CA_FILE points at the server's self-signed certificate", async () => {
      const server = await f.startServer({ ...serverOptions, key: cert.key, cert: cert.cert });
      const settings = smtpSettings(server.port, { ...env, SMTP_TLS_CA_FILE: cert.certPath });
      const mailer = f.mailer(f.store, createSmtpTransport(settings));
      await mailer.enqueue('password_reset', 'alice@example.com', message);

      expect(await mailer.deliverDue()).toEqual({ sent: 1, failed: 0 });
      expect(server.messages.map((m) => m.subject)).toEqual([message.subject]);
      expect(server.encrypted).toEqual([true]);
    });

    it('records a failed attempt and delivers nothing when the certificate is not trusted', async () => {
      const server = await f.startServer({ ...serverOptions, key: cert.key, cert: cert.cert });
      const mailer = f.mailer(f.store, createSmtpTransport(smtpSettings(server.port, { ...env })));
      await mailer.enqueue('password_reset', 'alice@example.com', message);

      expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 1 });
      const [row] = await f.store.mailOutbox.list(1);
      expect(row).toMatchObject({ attempts: 1, sentAt: null });
      expect(row?.lastError).toBe('ESOCKET DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(server.messages).toHaveLength(0);
    });
  });

  it('with SMTP_USE_TLS=true refuses to send over a server that does not offer STARTTLS', async () => {
    const server = await f.startServer({ starttls: false });
    const settings = smtpSettings(server.port, { SMTP_USE_TLS: 'true', SMTP_TLS_CA_FILE: cert.certPath });
    const mailer = f.mailer(f.store, createSmtpTransport(settings));
    await mailer.enqueue('password_reset', 'alice@example.com', message);

    expect(await mailer.deliverDue()).toEqual({ sent: 0, failed: 1 });
    expect((await f.store.mailOutbox.list(1))[0]?.lastError).toMatch(/^ETLS\b/);
    expect(server.messages).toHaveLength(0);
  });
});
