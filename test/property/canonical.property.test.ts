import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEmail, canonicalUsername } from '../../src/identity/canonical.ts';

// The characters of an ASCII mailbox the code keeps apart: dots and plus tags are part of the
// address (no provider-specific folding), so `a.b@x` and `ab@x` are different people.
const LOCAL = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,30}$/);
const LABEL = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const ASCII_EMAIL = fc
  .tuple(LOCAL, fc.array(LABEL, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,10}$/))
  .map(([local, labels, tld]) => `${local}@${[...labels, tld].join('.')}`);
// Any text, including lone surrogates, combining marks, compatibility forms and controls.
const ANY_TEXT = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc
    .tuple(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }))
    .map(([a, b]) => `${a}@${b}.com`),
);
// Cased letters with combining marks: where lower-casing and Unicode composition interact.
const CASED_OR_MARK = fc.oneof(
  fc.integer({ min: 0xc0, max: 0x4ff }),
  fc.integer({ min: 0x300, max: 0x36f }),
  fc.integer({ min: 0x1f00, max: 0x1fff }),
  fc.integer({ min: 0x41, max: 0x5a }),
);
const CASED_EMAIL = fc
  .tuple(
    fc.array(CASED_OR_MARK, { minLength: 1, maxLength: 8 }),
    fc.array(CASED_OR_MARK, { minLength: 1, maxLength: 8 }),
  )
  .map(([local, domain]) => `${String.fromCodePoint(...local)}@${String.fromCodePoint(...domain)}.com`);
const WHITESPACE = fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\ufeff');
const CONTROL = fc
  .integer({ min: 0, max: 0x9f })
  .filter((c) => c < 0x20 || c >= 0x7f)
  .map((c) => String.fromCodePoint(c));
// Full-width forms (U+FF01-U+FF5E) fold to ASCII under NFKC.
const fullWidth = (text: string) =>
  [...text]
    .map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
    .join('');

describe('canonicalEmail (property)', () => {
  it('never throws, and returns null or a string, for any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), ANY_TEXT), (value) => {
        const result = canonicalEmail(value);
        expect(result === null || typeof result === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent: a canonical address is its own canonical form', () => {
    fc.assert(
      fc.property(fc.oneof(ANY_TEXT, ASCII_EMAIL, CASED_EMAIL), (value) => {
        const once = canonicalEmail(value);
        if (once !== null) expect(canonicalEmail(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('gives an address with no upper-case letter, no surrounding space, at most 254 characters and one shape', () => {
    fc.assert(
      fc.property(fc.oneof(ANY_TEXT, ASCII_EMAIL), (value) => {
        const canonical = canonicalEmail(value);
        if (canonical === null) return;
        expect(canonical).toBe(canonical.toLowerCase());
        expect(canonical).toBe(canonical.trim());
        expect(canonical.length).toBeLessThanOrEqual(254);
        expect(canonical).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/u);
      }),
      { numRuns: 3000 },
    );
  });

  it('ignores letter case, surrounding white space and full-width forms of an ASCII address', () => {
    fc.assert(
      fc.property(
        ASCII_EMAIL,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        WHITESPACE,
        WHITESPACE,
        (email, upper, before, after) => {
          const mixed = [...email].map((c, i) => (upper[i % 64] ? c.toUpperCase() : c)).join('');
          expect(canonicalEmail(mixed)).toBe(email);
          expect(canonicalEmail(`${before}${mixed}${after}`)).toBe(email);
          expect(canonicalEmail(fullWidth(mixed))).toBe(email);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps distinct lower-case ASCII mailboxes distinct: dots and plus tags are not folded', () => {
    fc.assert(
      fc.property(ASCII_EMAIL, ASCII_EMAIL, (a, b) => {
        expect(canonicalEmail(a)).toBe(a);
        if (a !== b) expect(canonicalEmail(a)).not.toBe(canonicalEmail(b));
      }),
      { numRuns: 2000 },
    );
    expect(canonicalEmail('a.b@example.com')).not.toBe(canonicalEmail('ab@example.com'));
    expect(canonicalEmail('a+tag@example.com')).not.toBe(canonicalEmail('a@example.com'));
  });

  it('refuses an address with a control character inside it (C0, DEL or C1)', () => {
    fc.assert(
      fc.property(ASCII_EMAIL, CONTROL, fc.nat(), (email, control, at) => {
        const cut = 1 + (at % (email.length - 1));
        expect(canonicalEmail(`${email.slice(0, cut)}${control}${email.slice(cut)}`)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses anything longer than 254 characters once canonical, or over 1024 raw', () => {
    fc.assert(
      fc.property(ASCII_EMAIL, fc.integer({ min: 255, max: 2000 }), (email, length) => {
        const padded = `${'a'.repeat(Math.max(0, length - email.length))}${email}`;
        expect(canonicalEmail(padded)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe('canonicalUsername (property)', () => {
  it('never throws, and is idempotent, lower-case and 1-128 allowed characters when not null', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), ANY_TEXT, LOCAL, CASED_EMAIL), (value) => {
        const username = canonicalUsername(value);
        if (username === null) return;
        expect(canonicalUsername(username)).toBe(username);
        expect(username).toBe(username.toLowerCase());
        expect(username).toMatch(/^[\p{Ll}\p{Lo}\p{Nd}][\p{Ll}\p{Lo}\p{Nd}._@+-]{0,127}$/u);
      }),
      { numRuns: 3000 },
    );
  });

  it('ignores letter case and surrounding white space of an ASCII username, and keeps distinct ones distinct', () => {
    fc.assert(
      fc.property(LOCAL, LOCAL, WHITESPACE, (a, b, space) => {
        expect(canonicalUsername(`${space}${a.toUpperCase()}${space}`)).toBe(a);
        if (a !== b) expect(canonicalUsername(a)).not.toBe(canonicalUsername(b));
      }),
      { numRuns: 1000 },
    );
  });
});
