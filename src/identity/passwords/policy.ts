import { isCommonPassword } from './blocklist.ts';
import { isOverMaxBytes, PASSWORD_MAX_BYTES } from './hasher.ts';

/** The password rules, as validated by the settings schema. */
export interface PasswordPolicyOptions {
  /** Fewest characters (Unicode code points, after NFKC). */
  minLength: number;
  /** Most characters (Unicode code points, after NFKC). */
  maxLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireNumbers: boolean;
  requireSpecial: boolean;
}

/** What is known about the user, so the password cannot contain it. */
export interface PasswordContext {
  email?: string;
  username?: string;
  fullName?: string;
}

/** The rules `check` enforces, ready to send as JSON so a UI shows exactly what the server checks. */
export interface PasswordPolicyDescription {
  min_length: number;
  max_length: number;
  max_bytes: number;
  require_uppercase: boolean;
  require_lowercase: boolean;
  require_numbers: boolean;
  require_special: boolean;
  blocks_common_passwords: true;
  blocks_context_words: true;
  /** The rules as sentences, such as "At least 15 characters". */
  rules: string[];
}

/** Checks new passwords against the rules and describes them. */
export interface PasswordPolicy {
  /**
   * The violations as sentences; an empty list means the password is acceptable. Input over
   * PASSWORD_MAX_BYTES gets that one violation and no further checks. TypeError for a non-string.
   */
  check(password: string, context?: PasswordContext): string[];
  /** The rules `check` enforces, generated from the same options. */
  describe(): PasswordPolicyDescription;
}

interface CompositionRule {
  rule: string;
  violation: string;
  pattern: RegExp;
}

const SERVICE_NAME = 'gatehouse';
// Shorter context words ("bob", "jo") are too likely to turn up by chance in a good passphrase.
const MIN_CONTEXT_WORD_LENGTH = 4;

function characters(count: number): string {
  return count === 1 ? '1 character' : `${count} characters`;
}

function requireInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer of at least ${min}`);
  }
  return value;
}

function requireBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** NFKC then lower case, as the password is before it is compared with context words. */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function isContextWord(word: string): boolean {
  return [...word].length >= MIN_CONTEXT_WORD_LENGTH;
}

function contextText(context: PasswordContext, key: keyof PasswordContext): string | null {
  const value = context[key];
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new TypeError(`context.${key} must be a string`);
  return fold(value);
}

function localPart(email: string): string {
  const at = email.lastIndexOf('@');
  return at === -1 ? email : email.slice(0, at);
}

/** The context-word violations of a password already folded by `fold`. */
function contextViolations(folded: string, context: PasswordContext): string[] {
  const contains = (word: string): boolean => isContextWord(word) && folded.includes(word);
  const username = contextText(context, 'username');
  const email = contextText(context, 'email');
  const fullName = contextText(context, 'fullName');
  const violations: string[] = [];
  if (username !== null && contains(username)) violations.push('Password must not contain your username');
  if (email !== null && contains(localPart(email))) {
    violations.push('Password must not contain your e-mail address');
  }
  if (fullName !== null && fullName.split(/[\s\p{P}]+/u).some(contains)) {
    violations.push('Password must not contain your name');
  }
  if (contains(SERVICE_NAME)) violations.push('Password must not contain the name of this service');
  return violations;
}

/**
 * Creates a password policy after NIST SP 800-63B-4 §3.1.1.2: length in code points, a blocklist
 * and context words, with composition rules only when switched on. Throws TypeError for options of
 * the wrong type, a minLength under 1 or a maxLength under minLength.
 */
export function createPasswordPolicy(options: PasswordPolicyOptions): PasswordPolicy {
  const minLength = requireInteger('minLength', options.minLength, 1);
  const maxLength = requireInteger('maxLength', options.maxLength, minLength);
  const requireUppercase = requireBoolean('requireUppercase', options.requireUppercase);
  const requireLowercase = requireBoolean('requireLowercase', options.requireLowercase);
  const requireNumbers = requireBoolean('requireNumbers', options.requireNumbers);
  const requireSpecial = requireBoolean('requireSpecial', options.requireSpecial);

  const composition: CompositionRule[] = [];
  if (requireUppercase) {
    composition.push({
      rule: 'At least one upper-case letter',
      violation: 'Password must contain an upper-case letter',
      pattern: /\p{Lu}/u,
    });
  }
  if (requireLowercase) {
    composition.push({
      rule: 'At least one lower-case letter',
      violation: 'Password must contain a lower-case letter',
      pattern: /\p{Ll}/u,
    });
  }
  if (requireNumbers) {
    composition.push({
      rule: 'At least one digit',
      violation: 'Password must contain a digit',
      pattern: /\p{Nd}/u,
    });
  }
  if (requireSpecial) {
    composition.push({
      rule: 'At least one character that is neither a letter nor a digit (a space counts)',
      violation: 'Password must contain a character that is neither a letter nor a digit',
      pattern: /[^\p{L}\p{M}\p{Nd}]/u,
    });
  }

  const rules = [
    `At least ${characters(minLength)}`,
    `At most ${characters(maxLength)}`,
    `At most ${PASSWORD_MAX_BYTES} bytes in UTF-8`,
    ...composition.map((c) => c.rule),
    'Not a commonly used password',
    'Does not contain your username, e-mail address or name, nor the name of this service',
  ];

  function check(password: string, context: PasswordContext = {}): string[] {
    if (typeof password !== 'string') throw new TypeError('password must be a string');
    if (isOverMaxBytes(password)) {
      return [`Password must be at most ${PASSWORD_MAX_BYTES} bytes`];
    }
    const normalised = password.normalize('NFKC');
    const violations: string[] = [];
    const length = [...normalised].length;
    if (length < minLength) violations.push(`Password must be at least ${characters(minLength)}`);
    if (length > maxLength) violations.push(`Password must be at most ${characters(maxLength)}`);
    for (const c of composition) if (!c.pattern.test(normalised)) violations.push(c.violation);
    if (isCommonPassword(normalised)) violations.push('Password is too common');
    violations.push(...contextViolations(normalised.toLowerCase(), context));
    return violations;
  }

  function describe(): PasswordPolicyDescription {
    return {
      min_length: minLength,
      max_length: maxLength,
      max_bytes: PASSWORD_MAX_BYTES,
      require_uppercase: requireUppercase,
      require_lowercase: requireLowercase,
      require_numbers: requireNumbers,
      require_special: requireSpecial,
      blocks_common_passwords: true,
      blocks_context_words: true,
      rules: [...rules],
    };
  }

  return { check, describe };
}
