import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, identityApp, tokenFor } from '../helpers/identity.ts';

const JWT_SECRET = 'property-test-secret-of-at-least-32-bytes!!';
const TOKEN_CHARS = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,300}$/);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Authorization values that are anything at all: text, schemes, key and JWT shapes. */
const ARBITRARY_HEADER = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', 'Digest', ''),
      fc.constantFrom(' ', '  ', '\t', ''),
      TOKEN_CHARS,
    )
    .map(([scheme, space, token]) => `${scheme}${space}${token}`),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((secret) => `Bearer mcpgw_${secret}`),
  fc
    .tuple(
      fc.jsonValue({ maxDepth: 2 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,86}$/),
    )
    .map(([header, payload, signature]) => `Bearer ${b64(header)}.${b64(payload)}.${signature}`),
);

let t: TestApp;
let user: { id: string; email: string };
let valid: string;
const issuer = () => t.settings.jwtIssuer;
const audience = () => t.settings.jwtAudience;

/** A JWT with our claims for the user, made as an attacker could: wrong key, other algorithm, or none. */
const FORGED = fc
  .record({
    how: fc.constantFrom(
      'wrong-key',
      'none',
      'hs512-right-key',
      'expired-right-key',
      'other-purpose',
      'other-audience',
    ),
    wrongKey: fc.uint8Array({ minLength: 32, maxLength: 64 }),
    iatOffset: fc.integer({ min: -3600, max: 0 }),
  })
  .map(({ how, wrongKey, iatOffset }) => ({ how, wrongKey, iatOffset }));

async function forge(how: string, wrongKey: Uint8Array, iatOffset: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + iatOffset;
  const right = new TextEncoder().encode(JWT_SECRET);
  const claims = { email: user.email, purpose: how === 'other-purpose' ? 'password_change' : 'access' };
  const build = (alg: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(issuer())
      .setAudience(how === 'other-audience' ? 'someone-else' : audience())
      .setSubject(user.id)
      .setJti('forged-jti')
      .setIssuedAt(now)
      .setExpirationTime(how === 'expired-right-key' ? now - 60 : now + 600);
  switch (how) {
    case 'wrong-key':
      return build('HS256').sign(wrongKey);
    case 'none':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: issuer(), aud: audience(), sub: user.id, jti: 'x', iat: now, exp: now + 600 })}.`;
    case 'hs512-right-key':
      return build('HS512').sign(right);
    default:
      return build('HS256').sign(right);
  }
}

for (const dialect of DIALECTS) {
  describe(`the Authorization header parser on ${dialect.name} (property)`, () => {
    beforeAll(async () => {
      t = await identityApp(dialect, { JWT_SECRET_KEY: JWT_SECRET, AUTH_RATE_LIMIT_MAX_ATTEMPTS: '100000' });
      const created = await addUser(t, { email: 'prop@example.com', isAdmin: true });
      user = { id: created.id, email: created.email };
      valid = await tokenFor(t.app, 'prop@example.com');
    }, 60_000);
    afterAll(() => t?.close());

    const expectRefused = async (authorization: string, url = '/auth/email/me') => {
      const response = await t.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(response.statusCode, `${JSON.stringify(authorization)} → ${response.body}`).toBe(401);
      expect(response.json()).toEqual({ error: 'Unauthorized' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    };

    it('accepts the real token, so refusals below are the parser refusing', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/auth/email/me',
        headers: { authorization: `Bearer ${valid}` },
      });
      expect(response.statusCode).toBe(200);
    });

    it('never throws on, and never authenticates, an arbitrary Authorization header (REST and /mcp)', async () => {
      await fc.assert(
        fc.asyncProperty(
          ARBITRARY_HEADER,
          fc.constantFrom('/auth/email/me', '/users', '/mcp'),
          async (header, url) => {
            fc.pre(!header.includes(valid));
            await expectRefused(header, url);
          },
        ),
        { numRuns: 400 },
      );
    }, 120_000);

    it('never authenticates a JWT forged with another key, alg none or HS512, expired, of another purpose or audience', async () => {
      await fc.assert(
        fc.asyncProperty(FORGED, async ({ how, wrongKey, iatOffset }) => {
          const token = await forge(how, wrongKey, iatOffset);
          await expectRefused(`Bearer ${token}`);
          await expectRefused(`Bearer ${token}`, '/mcp');
        }),
        { numRuns: 150 },
      );
    }, 120_000);

    it('never authenticates the real token inside a malformed header: other scheme, glued, wrapped or edited', async () => {
      const wrapped = fc.oneof(
        fc
          .constantFrom(
            'Basic ',
            'Token ',
            'Bearer',
            'Bearer\t',
            'Bearer:',
            'Bearer=',
            'B earer ',
            '',
            'Bearer x',
            'Bearer ,',
          )
          .map((p) => `${p}${valid}`),
        fc.constantFrom(' x', ',Bearer x', '.', '!', 'Bearer', ' Bearer x').map((s) => `Bearer ${valid}${s}`),
        // One character of the signed header or claims changed: the signature no longer fits.
        fc.tuple(fc.nat(), fc.constantFrom('A', 'z', '0', '_', '-')).map(([at, c]) => {
          const signedPart = valid.lastIndexOf('.');
          const i = at % signedPart;
          return `Bearer ${valid.slice(0, i)}${valid[i] === c ? (c === 'A' ? 'B' : 'A') : c}${valid.slice(i + 1)}`;
        }),
      );
      await fc.assert(
        fc.asyncProperty(wrapped, async (header) => {
          await expectRefused(header);
        }),
        { numRuns: 200 },
      );
    }, 120_000);

    it('never authenticates from the query string, whatever the credential parameter is called', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            'access_token',
            'token',
            'api_key',
            'apikey',
            'key',
            'jwt',
            'ACCESS_TOKEN',
            'Api_Key',
          ),
          fc.constantFrom('/auth/email/me', '/mcp', '/users'),
          async (name, path) => {
            const response = await t.app.inject({
              method: 'GET',
              url: `${path}?${name}=${encodeURIComponent(valid)}`,
            });
            expect(response.statusCode).toBe(401);
          },
        ),
        { numRuns: 50 },
      );
    }, 60_000);
  });
}
