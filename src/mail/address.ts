// Characters that would let one "address" carry a second recipient, a header or a display name
// into the SMTP envelope or the To header: controls (CR, LF, NUL...), invisible format characters,
// separators, brackets, double quotes and backticks, comments and escapes. The apostrophe stays:
// it is legal in a dot-atom and real addresses (o'brien@…) use it.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s,;<>"`()[\]\\]/u;
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL_LABEL = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/**
 * The one canonical spelling (trimmed, NFKC, lower-cased) of a single mail recipient, safe to put
 * in an SMTP envelope and a To header. Returns null for anything that is not a string, contains a
 * control character, whitespace, a comma, a semicolon, angle brackets, double quotes or more than one
 * `@`, carries a display name, is longer than 254 characters, or is not shaped like
 * local@domain.tld.
 */
export function singleAddress(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 1024) return null;
  // Checked before trimming, so a trailing "\r\n" is refused rather than quietly cut off.
  if (/[\p{Cc}\p{Cf}]/u.test(raw)) return null;
  const address = raw.normalize('NFKC').trim().toLowerCase();
  if (address.length === 0 || address.length > 254 || FORBIDDEN.test(address)) return null;

  const parts = address.split('@');
  if (parts.length !== 2) return null;
  const [local = '', domain = ''] = parts;
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;

  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return null;
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  return TOP_LEVEL_LABEL.test(labels.at(-1) ?? '') ? address : null;
}
