const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;
const USERNAME_SHAPE = /^[\p{Ll}\p{Lo}\p{Nd}][\p{Ll}\p{Lo}\p{Nd}._@+-]{0,127}$/u;
// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;

// Lower-casing can undo NFKC (`T` + U+0308 lower-cases to `t` + U+0308, which composes to
// U+1E97), so normalise again after it: the canonical form must be its own canonical form.
function fold(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/**
 * The one spelling of an e-mail address: trimmed, Unicode NFKC (so full-width letters fold to
 * ASCII), lower-cased, and idempotent. Returns null when the result is not shaped like an
 * address, contains a control character (C0, DEL or C1: no mailbox has one, and they would
 * reach logs and screens), or is too long.
 */
export function canonicalEmail(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1024) return null;
  const email = fold(raw);
  return email.length <= 254 && EMAIL_SHAPE.test(email) && !CONTROL.test(email) ? email : null;
}

/** The one spelling of a username: trimmed, NFKC, lower-cased, 1-128 letters, digits and `. _ @ + -`, starting with a letter or digit; else null. */
export function canonicalUsername(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1024) return null;
  const username = fold(raw);
  return USERNAME_SHAPE.test(username) ? username : null;
}

/**
 * True when `text` holds a control character (C0, DEL or C1) or a line or paragraph separator
 * (U+2028, U+2029): no one-line name or address needs them.
 */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * False for addresses under the reserved `.invalid` top-level domain (RFC 2606), which Gatehouse
 * gives file users without an e-mail address: no mail is ever sent there.
 */
export function hasMailbox(email: string): boolean {
  return !email.endsWith('.invalid');
}
