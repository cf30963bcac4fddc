import { describe, expect, it } from 'vitest';
import { AuthFileError, parseTokenFile } from '../../../src/identity/index.ts';

const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

describe('parseTokenFile', () => {
  it('reads a token file as pgEdge writes it', () => {
    const tokens = parseTokenFile(`tokens:
  token-1:
    hash: ${HASH.toUpperCase()}
    expires_at: 2026-12-31T00:00:00Z
    annotation: CI pipeline
    created_at: 2025-11-15T09:30:00.123456789Z
  token-2:
    hash: ${OTHER}
    expires_at: null
    annotation: ""
    created_at: 2025-11-15T09:30:00Z
`);
    expect(tokens).toEqual([
      {
        id: 'token-1',
        hash: HASH,
        expiresAt: new Date('2026-12-31T00:00:00Z'),
        annotation: 'CI pipeline',
        createdAt: new Date('2025-11-15T09:30:00.123Z'),
        user: null,
        admin: false,
        scope: null,
      },
      expect.objectContaining({ id: 'token-2', hash: OTHER, expiresAt: null, annotation: '' }),
    ]);
  });

  it('reads the Gatehouse fields: user, admin and a scope that narrows access', () => {
    const [token] = parseTokenFile(`tokens:
  bot:
    hash: ${HASH}
    user: bot@example.com
    admin: true
    allowed_mcps: [erp]
    tool_rules: [{ backend: erp, deny: ['delete_*'] }]
`);
    expect(token).toMatchObject({
      user: 'bot@example.com',
      admin: true,
      scope: {
        allowedMcps: ['erp'],
        blockedMcps: [],
        toolRules: [{ backend: 'erp', allow: [], deny: ['delete_*'] }],
      },
    });
  });

  it.each([
    ['an empty file', ''],
    ['a comment only', '# no tokens yet\n'],
    ['an empty section', 'tokens:\n'],
    ['an empty mapping', 'tokens: {}\n'],
  ])('gives no tokens for %s', (_name, text) => {
    expect(parseTokenFile(text)).toEqual([]);
  });

  it.each([
    ['broken YAML', 'tokens:\n  a: [unclosed\n', /^invalid YAML/],
    ['a duplicated id', `tokens:\n  a: {hash: ${HASH}}\n  a: {hash: ${OTHER}}\n`, /^invalid YAML/],
    ['a list at the top', '- tokens\n', /must be a mapping/],
    ['another top-level key', `tokens: {}\nusers: {}\n`, /unknown top-level key "users"/],
    ['tokens as a list', 'tokens: [a, b]\n', /"tokens" must be a mapping/],
    ['a short hash', 'tokens:\n  a: {hash: abc}\n', /^tokens\.a\.hash: must be the SHA-256/],
    ['a missing hash', 'tokens:\n  a: {annotation: x}\n', /^tokens\.a\.hash:/],
    [
      'a bad date',
      `tokens:\n  a: {hash: ${HASH}, expires_at: soon}\n`,
      /^tokens\.a\.expires_at: must be a date-time/,
    ],
    [
      'a misspelt field',
      `tokens:\n  a: {hash: ${HASH}, expire_at: null}\n`,
      /^tokens\.a: unknown field "expire_at"/,
    ],
    [
      'a bad scope',
      `tokens:\n  a: {hash: ${HASH}, allowed_mcps: ['no spaces']}\n`,
      /^tokens\.a: invalid allowed_mcps/,
    ],
    ['a bad id', `tokens:\n  "a b": {hash: ${HASH}}\n`, /^tokens\.a b: the id must be/],
    [
      'two ids with one hash',
      `tokens:\n  a: {hash: ${HASH}}\n  b: {hash: ${HASH.toUpperCase()}}\n`,
      /^tokens\.b: same hash as tokens\.a/,
    ],
    [
      'an alias bomb',
      `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
      /invalid YAML|unknown top-level/,
    ],
  ])('refuses %s with a message naming the place', (_name, text, message) => {
    expect(() => parseTokenFile(text)).toThrow(AuthFileError);
    expect(() => parseTokenFile(text)).toThrow(message);
  });

  it('never puts the hash into an error message', () => {
    const text = `tokens:\n  a: {hash: ${HASH}, expires_at: nope}\n`;
    expect(() => parseTokenFile(text)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(HASH) }),
    );
  });
});
