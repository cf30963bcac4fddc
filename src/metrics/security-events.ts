import type { SecurityEvent } from '../identity/index.ts';
import { boundedLabel } from './bounded-label.ts';
import type { AuthOutcome, EventFamilies, ResetStage } from './families.ts';

// Password logins: the login service audits each attempt once, whatever surface it came from
// (REST, the MCP authenticate_user tool). Why a login failed (unknown user, wrong password, locked)
// is left out on purpose: watching that label would tell whether an account exists.
const PASSWORD_LOGIN: Readonly<Record<string, AuthOutcome>> = {
  login_success: 'success',
  login_password_change_required: 'success',
  login_failed: 'failure',
  login_rate_limited: 'rate_limited',
};

// Whether a reset request named a real account is not told apart, for the same reason.
const RESET_STAGE: Readonly<Record<string, ResetStage>> = {
  password_reset_requested: 'requested',
  password_reset_rate_limited: 'rate_limited',
  password_reset_completed: 'completed',
};

/**
 * An audit observer that turns security events into metrics: password login attempts, lockouts,
 * reset stages, and a count of every event by type. Reads only the type and success flag, never
 * the user, address or details.
 */
export function securityEventObserver(families: EventFamilies): (event: SecurityEvent) => void {
  // Event types are constants in code; the bound only guards against a future free-form one.
  const eventLabel = boundedLabel(200);
  return (event) => {
    families.securityEvents.inc({
      event: eventLabel(event.type),
      outcome: event.success ? 'success' : 'failure',
    });
    const login = PASSWORD_LOGIN[event.type];
    if (login !== undefined) families.authAttempts.inc({ method: 'password', outcome: login });
    if (event.type === 'account_locked') families.lockouts.inc();
    const stage = RESET_STAGE[event.type];
    if (stage !== undefined) families.passwordResets.inc({ stage });
  };
}
