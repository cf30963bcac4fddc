import { api } from '../api/client.ts';
import type { PasswordPolicy } from '../api/types.ts';

let cached: Promise<PasswordPolicy> | null = null;

/** The server's password policy, fetched once per page load (a failure is retried next time). */
export function loadPasswordPolicy(): Promise<PasswordPolicy> {
  cached ??= api<PasswordPolicy>('GET', '/auth/email/password-policy').catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}

/** Who the password is for, so the "not your name" rule can be checked as the user types. */
export interface PasswordContext {
  email?: string;
  username?: string;
  fullName?: string | null;
}

const codePoints = (text: string) => [...text.normalize('NFKC')].length;

function containsContext(password: string, context: PasswordContext): boolean {
  const folded = password.normalize('NFKC').toLowerCase();
  const email = context.email ?? '';
  const localPart = email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : email;
  const words = [context.username, localPart, ...(context.fullName ?? '').split(/[\s\p{P}]+/u), 'gatehouse'];
  return words.some(
    (w) => w !== undefined && [...w].length >= 4 && folded.includes(w.normalize('NFKC').toLowerCase()),
  );
}

/**
 * Whether `password` meets one rule sentence of the policy: true or false where the browser can
 * tell, null where only the server can (the common-password list).
 */
export function ruleMet(rule: string, password: string, context: PasswordContext = {}): boolean | null {
  const atLeast = /^At least (\d+) characters?$/i.exec(rule);
  if (atLeast) return codePoints(password) >= Number(atLeast[1]);
  const atMost = /^At most (\d+) characters?$/i.exec(rule);
  if (atMost) return password.length > 0 && codePoints(password) <= Number(atMost[1]);
  const bytes = /^At most (\d+) bytes/i.exec(rule);
  if (bytes) return password.length > 0 && new TextEncoder().encode(password).length <= Number(bytes[1]);
  if (/upper-case/i.test(rule)) return /\p{Lu}/u.test(password);
  if (/lower-case/i.test(rule)) return /\p{Ll}/u.test(password);
  if (/digit/i.test(rule) && /^At least one digit/i.test(rule)) return /\p{Nd}/u.test(password);
  if (/neither a letter nor a digit/i.test(rule)) return /[^\p{L}\p{M}\p{Nd}]/u.test(password);
  if (/does not contain your/i.test(rule)) return password.length > 0 && !containsContext(password, context);
  return null;
}
