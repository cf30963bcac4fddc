import type { AuditEvent } from '../api/types.ts';

/** The event types Gatehouse records, offered as suggestions in the type filter. */
export const EVENT_TYPES = [
  'login_success',
  'login_failed',
  'login_rate_limited',
  'login_password_change_required',
  'account_locked',
  'account_unlocked',
  'logout',
  'password_changed',
  'password_change_failed',
  'password_reset_requested',
  'password_reset_completed',
  'password_reset_rate_limited',
  'user_created',
  'user_updated',
  'user_deleted',
  'user_access_changed',
  'api_key_created',
  'api_key_revoked',
  'api_key_expired_removed',
  'backend_created',
  'backend_updated',
  'backend_deleted',
  'oauth_login',
  'oauth_consent_granted',
  'oauth_consent_denied',
  'oauth_client_added',
  'oauth_client_removed',
  'oauth_grant_revoked',
  'bootstrap_admin_created',
  'bootstrap_password_applied',
  'break_glass_recovery',
  'stdio_local_user',
  'tool_call',
];

/** How an event stands out: lockouts, resets and failures each get their own look. */
export function eventKind(event: AuditEvent): 'lockout' | 'reset' | 'failure' | 'normal' {
  if (event.event_type === 'account_locked') return 'lockout';
  if (event.event_type.startsWith('password_reset')) return 'reset';
  if (!event.success || /failed|rate_limited|denied/.test(event.event_type)) return 'failure';
  return 'normal';
}

/** The details of an event as short `key: value` text (objects as compact JSON). */
export function describeDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

/** A datetime-local value (local time) as an ISO instant, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
