import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import type { Settings } from '../config/index.ts';

/** One message as it goes on the wire: `to` is a single address already checked by singleAddress. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Something that delivers one message at a time. */
export interface MailTransport {
  /** Delivers the message; rejects with the transport's error when delivery fails. */
  send(message: OutgoingMail): Promise<void>;
  /** Closes open connections; idempotent. */
  close(): void;
}

function readCa(path: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(
      `SMTP_TLS_CA_FILE ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      { cause: error },
    );
  }
  // Node's `ca` replaces the trusted roots; the setting adds to them.
  const roots =
    typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates;
  return [...roots, pem];
}

/**
 * The SMTP transport of the SMTP_* settings. Reads SMTP_TLS_CA_FILE once, now; throws TypeError
 * when that file cannot be read or when SMTP_HOST is unset (settings validation refuses both).
 */
export function createSmtpTransport(settings: Settings): MailTransport {
  if (settings.smtpHost === undefined) throw new TypeError('createSmtpTransport: SMTP_HOST is not set');
  const timeout = settings.smtpTimeoutSeconds * 1000;
  const ca = settings.smtpTlsCaFile === undefined ? undefined : readCa(settings.smtpTlsCaFile);
  const transporter = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpUseSsl,
    // With implicit TLS the connection is encrypted from the start; STARTTLS would be refused.
    requireTLS: settings.smtpUseTls && !settings.smtpUseSsl,
    auth:
      settings.smtpUser === undefined
        ? undefined
        : { user: settings.smtpUser, pass: settings.smtpPassword ?? '' },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: settings.smtpTlsRejectUnauthorized, ...(ca ? { ca } : {}) },
    logger: false,
    debug: false,
  });
  let closed = false;
  return {
    async send(message) {
      await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // The envelope is set, not derived from headers, so only the validated recipient is used.
        envelope: { from: message.from, to: [message.to] },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    },
    close() {
      if (closed) return;
      closed = true;
      transporter.close();
    },
  };
}
