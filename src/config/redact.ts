import type { SettingSpec } from './fields.ts';

/** Shown instead of a secret value. */
export const REDACTED = '[redacted]';

/** Replaces the password of a URL with the redaction mark; returns unparseable input unchanged but masked. */
export function redactUrlPassword(value: string): string {
  if (!URL.canParse(value)) return value.includes('@') ? REDACTED : value;
  const parsed = new URL(value);
  if (parsed.password === '') return value;
  parsed.password = 'REDACTED';
  return parsed.toString().replace(':REDACTED@', `:${REDACTED}@`);
}

/** The text to print for a setting's value, with secrets redacted. */
export function displayValue(spec: SettingSpec, value: unknown): string {
  if (value === undefined) return '(unset)';
  if (spec.secret) return REDACTED;
  if (spec.secretUrl && typeof value === 'string') return redactUrlPassword(value);
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(',');
  return String(value);
}

/** The raw value quoted for an error message, without revealing a secret. */
export function describeRaw(spec: SettingSpec, raw: unknown): string {
  if (spec.secret) return `a value of ${String(raw).length} characters`;
  if (spec.secretUrl && typeof raw === 'string') return JSON.stringify(redactUrlPassword(raw));
  return JSON.stringify(raw);
}
