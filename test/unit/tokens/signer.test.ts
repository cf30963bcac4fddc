import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_TOLERANCE_SECONDS,
  createTokenSigner,
  decodeTokenUnverified,
  MAX_TOKEN_LENGTH,
  type TokenSignerOptions,
} from '../../../src/identity/tokens/index.ts';

const SECRET = 'test-secret-for-gatehouse-tokens-0123456789';
const OTHER_SECRET = 'another-secret-nobody-should-trust-0123456789';
const ISSUER = 'https://gatehouse.test';
const AUDIENCE = 'gatehouse-api';
const TTL = 900;
// A time with a millisecond part, so a lost millisecond would show.
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0, 123);
const IAT = Math.floor(T0 / 1000);
const USER = { id: 'user-1', email: 'ada@example.com' };
const HS256_HEADER = { alg: 'HS256', typ: 'JWT' };

function makeSigner(overrides: Partial<TokenSignerOptions> = {}) {
  const clock = { ms: T0 };
  const signer = createTokenSigner({
    secret: SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
    defaultTtlSeconds: TTL,
    now: () => clock.ms,
    ...overrides,
  });
  return { signer, clock };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: USER.id,
    email: USER.email,
    jti: 'hand-made-jti',
    iat: IAT,
    exp: IAT + TTL,
    iat_ms: T0,
    purpose: 'access',
    ...overrides,
  };
}

function without(name: string): Record<string, unknown> {
  const all = claims();
  delete all[name];
  return all;
}

// Signs by hand with node:crypto, so headers and claims jose would refuse to write can be tested.
function hmacToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  { secret = SECRET, hash = 'sha256' }: { secret?: string; hash?: string } = {},
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

function flipByte(part: string, index: number): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

describe('createTokenSigner: issuing and verifying', () => {
  it('verifies a fresh token with every field', async () => {
    const { signer } = makeSigner();
    const issued = await signer.issue(USER);
    const expiresAt = new Date((IAT + TTL) * 1000);
    expect(issued).toEqual({
      token: issued.token,
      jti: issued.jti,
      issuedAtMs: T0,
      expiresAt,
      expiresIn: TTL,
    });
    expect(await signer.verify(issued.token)).toEqual({
      userId: USER.id,
      email: USER.email,
      jti: issued.jti,
      issuedAtMs: T0,
      expiresAt,
      purpose: 'access',
    });
  });

  it('writes the HS256 header and the documented claims', async () => {
    const { signer } = makeSigner();
    const issued = await signer.issue(USER);
    expect(decodeTokenUnverified(issued.token)).toEqual({
      header: HS256_HEADER,
      payload: claims({ jti: issued.jti }),
    });
  });

  it('round-trips purpose password_change', async () => {
    const { signer } = makeSigner();
    const issued = await signer.issue(USER, { purpose: 'password_change' });
    expect((await signer.verify(issued.token))?.purpose).toBe('password_change');
  });

  it('gives two tokens different 128-bit base64url jtis', async () => {
    const { signer } = makeSigner();
    const first = await signer.issue(USER);
    const second = await signer.issue(USER);
    expect(first.jti).not.toBe(second.jti);
    expect(first.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('lets ttlSeconds override the default lifetime', async () => {
    const { signer } = makeSigner();
    const issued = await signer.issue(USER, { ttlSeconds: 30 });
    expect(issued.expiresIn).toBe(30);
    expect(issued.expiresAt).toEqual(new Date((IAT + 30) * 1000));
    expect(decodeTokenUnverified(issued.token)?.payload.exp).toBe(IAT + 30);
    expect((await signer.verify(issued.token))?.expiresAt).toEqual(new Date((IAT + 30) * 1000));
  });

  it('still accepts a token within the clock tolerance after exp', async () => {
    const { signer, clock } = makeSigner();
    const issued = await signer.issue(USER, { ttlSeconds: 60 });
    clock.ms = (IAT + 60 + CLOCK_TOLERANCE_SECONDS) * 1000 - 1;
    expect(await signer.verify(issued.token)).not.toBeNull();
  });

  it('accepts a token without typ', async () => {
    const { signer } = makeSigner();
    expect((await signer.verify(hmacToken({ alg: 'HS256' }, claims())))?.userId).toBe(USER.id);
  });

  it('falls back to iat seconds when iat_ms disagrees with iat', async () => {
    const { signer } = makeSigner();
    const token = hmacToken(HS256_HEADER, claims({ iat_ms: T0 + 5_000 }));
    expect((await signer.verify(token))?.issuedAtMs).toBe(IAT * 1000);
  });

  it('throws TypeError for a secret shorter than 32 bytes', () => {
    expect(() => makeSigner({ secret: 'x'.repeat(31) })).toThrow(TypeError);
    expect(() => makeSigner({ secret: 'x'.repeat(32) })).not.toThrow();
  });

  it('throws TypeError from issue for a ttlSeconds that is not a positive whole number', async () => {
    const { signer } = makeSigner();
    await expect(signer.issue(USER, { ttlSeconds: 0 })).rejects.toThrow(TypeError);
    await expect(signer.issue(USER, { ttlSeconds: 1.5 })).rejects.toThrow(TypeError);
  });
});

describe('createTokenSigner: verify returns null for attacks', () => {
  it('accepts the hand-made baseline token the attacks below alter', async () => {
    const { signer } = makeSigner();
    expect((await signer.verify(hmacToken(HS256_HEADER, claims())))?.jti).toBe('hand-made-jti');
  });

  it.each(['none', 'None', 'NONE'])('rejects alg %s with an empty signature', async (alg) => {
    const { signer } = makeSigner();
    const token = `${b64({ alg, typ: 'JWT' })}.${b64(claims())}.`;
    expect(await signer.verify(token)).toBeNull();
  });

  it('rejects HS256 signed with a wrong key', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, claims(), { secret: OTHER_SECRET }))).toBeNull();
  });

  it('rejects HS512 signed with the right key (algorithm not allowed)', async () => {
    const { signer } = makeSigner();
    const token = hmacToken({ alg: 'HS512', typ: 'JWT' }, claims(), { hash: 'sha512' });
    expect(await signer.verify(token)).toBeNull();
  });

  it('rejects a flipped byte in the signature', async () => {
    const { signer } = makeSigner();
    const [header, payload, signature] = (await signer.issue(USER)).token.split('.');
    expect(await signer.verify(`${header}.${payload}.${flipByte(signature ?? '', 10)}`)).toBeNull();
  });

  it('rejects a flipped byte in the payload', async () => {
    const { signer } = makeSigner();
    const [header, payload, signature] = (await signer.issue(USER)).token.split('.');
    const json = Buffer.from(payload ?? '', 'base64url').toString();
    // Flip a letter of the email, so the payload stays valid JSON and only the signature can catch it.
    const altered = b64(JSON.parse(json.replace('ada@', 'adb@')));
    expect(altered).not.toBe(payload);
    expect(await signer.verify(`${header}.${altered}.${signature}`)).toBeNull();
  });

  it('rejects an expired token once exp plus the clock tolerance has passed', async () => {
    const { signer, clock } = makeSigner();
    const issued = await signer.issue(USER, { ttlSeconds: 60 });
    clock.ms = (IAT + 60 + CLOCK_TOLERANCE_SECONDS) * 1000;
    expect(await signer.verify(issued.token)).toBeNull();
  });

  it('rejects a token whose nbf is in the future', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, claims({ nbf: IAT + 60 })))).toBeNull();
  });

  it('rejects a token whose iat is in the future', async () => {
    const { signer } = makeSigner();
    const token = hmacToken(HS256_HEADER, claims({ iat: IAT + 60, iat_ms: (IAT + 60) * 1000 }));
    expect(await signer.verify(token)).toBeNull();
  });

  it('rejects a wrong aud', async () => {
    const { signer } = makeSigner();
    const { signer: other } = makeSigner({ audience: 'some-other-api' });
    expect(await signer.verify((await other.issue(USER)).token)).toBeNull();
  });

  it('rejects a wrong iss', async () => {
    const { signer } = makeSigner();
    const { signer: other } = makeSigner({ issuer: 'https://evil.test' });
    expect(await signer.verify((await other.issue(USER)).token)).toBeNull();
  });

  it('rejects a header carrying jwk, even with the attacker key it names', async () => {
    const { signer } = makeSigner();
    const jwk = { kty: 'oct', k: Buffer.from(OTHER_SECRET).toString('base64url') };
    const header = { ...HS256_HEADER, jwk };
    expect(await signer.verify(hmacToken(header, claims(), { secret: OTHER_SECRET }))).toBeNull();
    expect(await signer.verify(hmacToken(header, claims()))).toBeNull();
  });

  it.each([
    ['jku', 'https://evil.test/jwks.json'],
    ['x5u', 'https://evil.test/cert.pem'],
    ['x5c', ['MIIBIjANBgkq']],
  ])('rejects a header carrying %s, even signed with the right key', async (name, value) => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken({ ...HS256_HEADER, [name]: value }, claims()))).toBeNull();
  });

  it('rejects a header carrying crit, even one jose understands', async () => {
    const { signer } = makeSigner();
    const header = { ...HS256_HEADER, crit: ['b64'], b64: true };
    expect(await signer.verify(hmacToken(header, claims()))).toBeNull();
  });

  it('rejects a typ other than JWT', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken({ alg: 'HS256', typ: 'at+jwt' }, claims()))).toBeNull();
  });

  it('rejects a token missing jti', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, without('jti')))).toBeNull();
  });

  it.each(['sub', 'email', 'iat', 'exp', 'purpose'])('rejects a token missing %s', async (name) => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, without(name)))).toBeNull();
  });

  it('rejects a non-string email', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, claims({ email: ['ada@example.com'] })))).toBeNull();
  });

  it('rejects an unknown purpose', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(hmacToken(HS256_HEADER, claims({ purpose: 'admin' })))).toBeNull();
  });

  it('rejects the empty string', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify('')).toBeNull();
  });

  it.each([
    'garbage',
    'a.b.c',
    '..',
    '%%%.%%%.%%%',
    `${b64(HS256_HEADER)}.${b64(claims())}`,
    `${b64(HS256_HEADER)}.${b64(claims())}.sig.extra.part`,
    `${b64('a string header')}.${b64(claims())}.c2ln`,
    `${b64(HS256_HEADER)}.${b64([1, 2, 3])}.c2ln`,
    Buffer.from('\u0000\u00ff random bytes \u2603').toString('base64'),
  ])('rejects random garbage %j', async (token) => {
    const { signer } = makeSigner();
    expect(await signer.verify(token)).toBeNull();
  });

  it('rejects a non-string token at run time', async () => {
    const { signer } = makeSigner();
    expect(await signer.verify(undefined as unknown as string)).toBeNull();
    expect(await signer.verify({ token: 'x' } as unknown as string)).toBeNull();
  });

  it('rejects a 100 KB token before parsing it, even with a valid signature', async () => {
    const { signer } = makeSigner();
    const token = hmacToken(HS256_HEADER, claims({ padding: 'x'.repeat(75_000) }));
    expect(token.length).toBeGreaterThan(100_000);
    expect(await signer.verify(token)).toBeNull();
  });

  it('accepts a validly signed token just under the size limit', async () => {
    const { signer } = makeSigner();
    const base = hmacToken(HS256_HEADER, claims({ padding: '' })).length;
    // Every 3 payload bytes become 4 base64url characters.
    const padding = 'x'.repeat(Math.floor(((MAX_TOKEN_LENGTH - base) * 3) / 4) - 3);
    const token = hmacToken(HS256_HEADER, claims({ padding }));
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 8);
    expect(await signer.verify(token)).not.toBeNull();
  });
});

describe('decodeTokenUnverified', () => {
  it('returns the header and payload of a token without checking the signature', () => {
    const token = hmacToken(HS256_HEADER, claims(), { secret: OTHER_SECRET });
    expect(decodeTokenUnverified(token)).toEqual({ header: HS256_HEADER, payload: claims() });
  });

  it.each(['', 'garbage', 'a.b.c', '..', `${b64(HS256_HEADER)}.${b64([1])}.c2ln`])(
    'returns null for garbage %j',
    (token) => {
      expect(decodeTokenUnverified(token)).toBeNull();
    },
  );
});
