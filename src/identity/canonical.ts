const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
const USERNAME_SHAPE = /^[\p{Ll}\p{Lo}\p{Nd}][\p{Ll}\p{Lo}\p{Nd}._@+-]{0,127}$/u;

/**
 * The one spelling of an e-mail address: trimmed, Unicode NFKC (so full-width letters fold to
 * ASCII), lower-cased. Returns null when the result is not shaped like an address or is too long.
 */
export function canonicalEmail(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1024) return null;
  const email = raw.normalize('NFKC').trim().toLowerCase();
  return email.length <= 254 && EMAIL_SHAPE.test(email) ? email : null;
}

/** The one spelling of a username: trimmed, NFKC, lower-cased, 1-128 letters, digits and `. _ @ + -`, starting with a letter or digit; else null. */
export function canonicalUsername(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1024) return null;
  const username = raw.normalize('NFKC').trim().toLowerCase();
  return USERNAME_SHAPE.test(username) ? username : null;
}

/**
 * False for addresses under the reserved `.invalid` top-level domain (RFC 2606), which Gatehouse
 * gives file users without an e-mail address: no mail is ever sent there.
 */
export function hasMailbox(email: string): boolean {
  return !email.endsWith('.invalid');
}
