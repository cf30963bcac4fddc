export { singleAddress } from './address.ts';
export { createMailer, defaultBackoff, formatFrom, type Mailer, type MailerOptions } from './mailer.ts';
export {
  accountLockedMessage,
  adminPasswordResetMessage,
  escapeHtml,
  type MailMessage,
  passwordResetConfirmationMessage,
  passwordResetMessage,
} from './templates.ts';
export { createSmtpTransport, type MailTransport, type OutgoingMail } from './transport.ts';
export { mailNotifier } from './notifier.ts';
export { createMailerFromSettings } from './from-settings.ts';
