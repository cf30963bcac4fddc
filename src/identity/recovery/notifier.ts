/**
 * What the identity rules tell account owners. The mail domain implements it; the identity
 * domain never knows how a message travels. Implementations must not throw for delivery trouble.
 */
export interface AccountNotifier {
  passwordResetRequested(to: string, resetUrl: string, expiresInMinutes: number): Promise<void>;
  passwordResetCompleted(to: string, changedAt: Date): Promise<void>;
  accountLocked(to: string, lockedUntil: Date, resetUrl: string | null): Promise<void>;
  passwordSetByAdmin(to: string, changedAt: Date): Promise<void>;
}

/** A notifier that sends nothing (no mail configured, or tests that do not look at mail). */
export const SILENT_NOTIFIER: AccountNotifier = Object.freeze({
  passwordResetRequested: async () => {},
  passwordResetCompleted: async () => {},
  accountLocked: async () => {},
  passwordSetByAdmin: async () => {},
});
