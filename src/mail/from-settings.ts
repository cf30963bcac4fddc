import type { FastifyBaseLogger } from 'fastify';
import type { Settings } from '../config/index.ts';
import type { MailOutboxRepository } from '../store/index.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { createSmtpTransport } from './transport.ts';

// SMTP off: nothing is queued or sent, but the mailer still needs a well-formed sender.
const UNUSED_SENDER = 'noreply@gatehouse.invalid';

/**
 * The process mailer: SMTP delivery through the outbox when SMTP_ENABLED, otherwise a mailer
 * that records nothing and sends nothing. Throws TypeError when SMTP_TLS_CA_FILE cannot be read.
 */
export function createMailerFromSettings(
  settings: Settings,
  outbox: MailOutboxRepository,
  logger: FastifyBaseLogger,
  options: { now?: () => Date; pollIntervalMs?: number } = {},
): Mailer {
  const transport = settings.smtpEnabled ? createSmtpTransport(settings) : null;
  return createMailer({
    outbox,
    transport,
    from: { name: settings.smtpFromName, email: settings.smtpFromEmail ?? UNUSED_SENDER },
    logger,
    ...options,
  });
}
