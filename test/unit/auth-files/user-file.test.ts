import { describe, expect, it } from 'vitest';
import { AuthFileError, parseUserFile } from '../../../src/identity/index.ts';

// Real hashes of "correct horse battery staple": bcrypt cost 4 and Argon2id m=19456,t=2,p=1.
const BCRYPT = '$2b$04$YJEeYq6EBAGLPxw8q8Ynuu3vBfUVQeBhEtNEo8nGczyBEAIW3uIm6';
const ARGON =
  '$argon2id$v=19$m=19456,t=2,p=1$gysPBtsWzZvqkP6fErpYhw$MQmWcwxAvnz3X/TJjxvDHjOSEPC7WJJXvb57lLnw0Qo';

describe('parseUserFile', () => {
  it('reads a user file as pgEdge writes it, enabled and without e-mail', () => {
    const users = parseUserFile(`users:
  alice:
    username: alice
    password_hash: ${BCRYPT}
    created_at: 2025-11-15T09:30:00Z
    last_login: null
    enabled: true
    annotation: Alice S.
  Bob:
    password_hash: '${ARGON}'
    enabled: false
`);
    expect(users).toEqual([
      {
        username: 'alice',
        email: 'alice@users.invalid',
        passwordHash: BCRYPT,
        enabled: true,
        isAdmin: false,
        fullName: null,
        annotation: 'Alice S.',
        access: null,
      },
      expect.objectContaining({
        username: 'bob',
        email: 'bob@users.invalid',
        passwordHash: ARGON,
        enabled: false,
      }),
    ]);
  });

  it('reads the Gatehouse fields: e-mail, full name, admin and MCP access', () => {
    const [user] = parseUserFile(`users:
  carol:
    password_hash: ${BCRYPT}
    email: Carol@Example.COM
    full_name: Carol Jones
    is_admin: true
    blocked_mcps: [truenas]
`);
    expect(user).toMatchObject({
      username: 'carol',
      email: 'carol@example.com',
      fullName: 'Carol Jones',
      isAdmin: true,
      access: { allowedMcps: [], blockedMcps: ['truenas'], toolRules: [] },
    });
  });

  it('uses a username that is an address as the e-mail, and enables users by default', () => {
    const [user] = parseUserFile(`users:\n  dan@example.com: {password_hash: ${BCRYPT}}\n`);
    expect(user).toMatchObject({ username: 'dan@example.com', email: 'dan@example.com', enabled: true });
  });

  it.each([
    [
      'a plain-text password',
      `users:\n  a: {password_hash: hunter2}\n`,
      /^users\.a\.password_hash: must be an Argon2id/,
    ],
    ['a missing hash', `users:\n  a: {enabled: true}\n`, /^users\.a\.password_hash:/],
    [
      'a username that differs from its key',
      `users:\n  a: {username: b, password_hash: ${BCRYPT}}\n`,
      /^users\.a\.username: differs/,
    ],
    [
      'a bad e-mail',
      `users:\n  a: {password_hash: ${BCRYPT}, email: nope}\n`,
      /^users\.a\.email: must be an e-mail/,
    ],
    [
      'a misspelt field',
      `users:\n  a: {password_hash: ${BCRYPT}, is_admn: true}\n`,
      /^users\.a: unknown field "is_admn"/,
    ],
    ['enabled as text', `users:\n  a: {password_hash: ${BCRYPT}, enabled: "yes"}\n`, /^users\.a\.enabled:/],
    ['a bad name', `users:\n  " ": {password_hash: ${BCRYPT}}\n`, /the name must be/],
    [
      'two spellings of one name',
      `users:\n  Eve: {password_hash: ${BCRYPT}}\n  eve: {password_hash: ${BCRYPT}}\n`,
      /"eve" is also used by users\.Eve/,
    ],
    [
      'one address twice',
      `users:\n  f: {password_hash: ${BCRYPT}, email: x@example.com}\n  g: {password_hash: ${BCRYPT}, email: x@example.com}\n`,
      /"x@example.com" is also used by users\.f/,
    ],
    ['tokens in a user file', `tokens: {}\n`, /unknown top-level key "tokens"/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseUserFile(text)).toThrow(AuthFileError);
    expect(() => parseUserFile(text)).toThrow(message);
  });

  it('never puts a password hash into an error message', () => {
    const text = `users:\n  a: {password_hash: ${BCRYPT}, enabled: maybe}\n`;
    expect(() => parseUserFile(text)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(BCRYPT) }),
    );
  });
});
