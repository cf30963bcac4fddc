import { describe, expect, it } from 'vitest';
import { singleAddress } from '../../src/mail/index.ts';

describe('singleAddress', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['  Alice@Example.COM  ', 'alice@example.com'],
    ['ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ', 'alice@example.com'],
    ['first.last+tag@mail.example.co.uk', 'first.last+tag@mail.example.co.uk'],
    ['o_k-1@sub-domain.example.org', 'o_k-1@sub-domain.example.org'],
    ["O'Brien@example.ie", "o'brien@example.ie"],
  ])('canonicalises the good address %j to %j', (raw, canonical) => {
    expect(singleAddress(raw)).toBe(canonical);
  });

  it('accepts an address of exactly 254 characters', () => {
    const longest = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(longest).toHaveLength(254);
    expect(singleAddress(longest)).toBe(longest);
  });

  it.each([
    ['a CRLF-injected Bcc header', 'a@x.com\r\nBcc: e@evil.example'],
    ['a LF-injected header', 'a@x.com\nBcc: e@evil.example'],
    ['a trailing CRLF', 'a@x.com\r\n'],
    ['a second recipient after a comma', 'a@x.com,e@evil.example'],
    ['a second recipient after a comma and space', 'a@x.com, e@evil.example'],
    ['a second recipient after a semicolon', 'a@x.com;e@evil.example'],
    ['a display name with angle brackets', 'Alice <a@x.com>'],
    ['a quoted display name', '"Alice" <a@x.com>'],
    ['bare angle brackets', '<a@x.com>'],
    ['a quoted local part', '"a b"@x.com'],
    ['a NUL byte', 'a@x.com\u0000'],
    ['a tab', 'a\t@x.com'],
    ['a DEL control character', 'a\u007f@x.com'],
    ['a zero-width space', 'a\u200b@x.com'],
    ['whitespace inside', 'a b@x.com'],
    ['two @', 'a@b@x.com'],
    ['no @', 'a.x.com'],
    ['no local part', '@x.com'],
    ['no top-level domain', 'a@localhost'],
    ['a one-letter top-level domain', 'a@x.c'],
    ['an empty domain label', 'a@x..com'],
    ['a leading dot in the local part', '.a@x.com'],
    ['a comment', 'a(comment)@x.com'],
    ['an IP literal', 'a@[127.0.0.1]'],
    ['a backslash escape', 'a\\@b@x.com'],
    ['255 characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`],
    ['an empty string', ''],
    ['only spaces', '   '],
  ])('returns null for %s', (_what, raw) => {
    expect(singleAddress(raw)).toBeNull();
  });

  it.each([[null], [undefined], [42], [['a@x.com']], [{ address: 'a@x.com' }]])(
    'returns null for the non-string %j',
    (raw) => {
      expect(singleAddress(raw)).toBeNull();
    },
  );
});
