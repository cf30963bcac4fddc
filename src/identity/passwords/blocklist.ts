import { createRequire } from 'node:module';

// fxa-common-password-list ships its list (the 50,000 most common passwords of 8 to 25 characters
// from the SecLists breach corpus, all lower case) as a CommonJS module exporting one string,
// front-coded: each line is a base-36 digit saying how many leading characters the entry shares
// with the one before, then the rest of the entry. Its own `test()` does a linear, case-sensitive
// search, so we decode the string ourselves into a Set.
const LIST_MODULE = 'fxa-common-password-list/src/encoded-passwords.js';

// What users tack onto a common word to get past a blocklist: digits, punctuation, symbols, spaces.
const DECORATION = /^[\p{N}\p{P}\p{S}\s]$/u;

let commonPasswords: Set<string> | null = null;

/** Decodes the package's front-coded list; throws if the package's format has changed. */
function decode(encoded: string): Set<string> {
  const entries = new Set<string>();
  let previous = '';
  for (const line of encoded.split('\n')) {
    const shared = Number.parseInt(line.charAt(0), 36);
    if (Number.isNaN(shared) || shared > previous.length) {
      throw new Error(`${LIST_MODULE}: unexpected line ${JSON.stringify(line)}`);
    }
    previous = previous.slice(0, shared) + line.slice(1);
    entries.add(previous.toLowerCase());
  }
  return entries;
}

/** The text without its trailing run of decoration characters. */
function stripTrailingDecoration(text: string): string {
  // A loop rather than /[…]+$/: that regex backtracks quadratically on a long run of digits.
  const chars = [...text];
  let end = chars.length;
  while (end > 0 && DECORATION.test(chars[end - 1] ?? '')) end -= 1;
  return chars.slice(0, end).join('');
}

function list(): Set<string> {
  if (commonPasswords === null) {
    const encoded: unknown = createRequire(import.meta.url)(LIST_MODULE);
    if (typeof encoded !== 'string') throw new Error(`${LIST_MODULE} no longer exports a string`);
    commonPasswords = decode(encoded);
  }
  return commonPasswords;
}

/**
 * True when the password, compared case-insensitively, is on the common-password list, or when it
 * is a listed password followed only by digits, punctuation, symbols or spaces ("Password123!").
 * Every listed entry is a short word (8 to 25 characters), so the base this strips off is always
 * short; the list is loaded once, on the first call. A non-string throws TypeError.
 */
export function isCommonPassword(password: string): boolean {
  if (typeof password !== 'string') throw new TypeError('isCommonPassword() takes a string');
  const lower = password.toLowerCase();
  const entries = list();
  if (entries.has(lower)) return true;
  const base = stripTrailingDecoration(lower);
  return base !== lower && entries.has(base);
}
