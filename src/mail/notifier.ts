import type { AccountNotifier } from '../identity/index.ts';
import type { Mailer } from './mailer.ts';
import {
  accountLockedMessage,
  adminPasswordResetMessage,
  passwordResetConfirmationMessage,
  passwordResetMessage,
} from './templates.ts';

/** The identity domain's notifications, as e-mail queued in the outbox. */
export function mailNotifier(mailer: Mailer): AccountNotifier {
  return {
    async passwordResetRequested(to, resetUrl, expiresInMinutes) {
      await mailer.enqueue('password_reset', to, passwordResetMessage({ resetUrl, expiresInMinutes }));
    },
    async passwordResetCompleted(to, changedAt) {
      await mailer.enqueue(
        'password_reset_confirmation',
        to,
        passwordResetConfirmationMessage({ changedAt }),
      );
    },
    async accountLocked(to, lockedUntil, resetUrl) {
      await mailer.enqueue('account_locked', to, accountLockedMessage({ lockedUntil, resetUrl }));
    },
    async passwordSetByAdmin(to, changedAt) {
      await mailer.enqueue('admin_password_reset', to, adminPasswordResetMessage({ changedAt }));
    },
  };
}
