import { createHash, generateKeyPairSync, hkdfSync } from 'node:crypto';
import type { Store } from '../store/index.ts';

const SETTINGS_KEY = 'oauth_signing_jwk';

/** An ES256 private key in JWK form, with its key id. */
export interface SigningJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

function generateJwk(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string; y: string; d: string };
  const kid = createHash('sha256').update(`${jwk.x}.${jwk.y}`).digest('base64url').slice(0, 16);
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d, kid, alg: 'ES256', use: 'sig' };
}

/**
 * The key that signs OAuth access tokens: generated once and kept in the database, so every
 * replica and restart signs and verifies with the same key. The first writer wins.
 */
export async function resolveSigningKey(store: Store): Promise<SigningJwk> {
  const stored = await store.settings.setIfAbsent(SETTINGS_KEY, JSON.stringify(generateJwk()));
  return JSON.parse(stored) as SigningJwk;
}

/** Keys for the authorization server's signed cookies, derived from the JWT secret. */
export function cookieKeys(jwtSecret: string): string[] {
  const key = hkdfSync('sha256', jwtSecret, 'gatehouse', 'oauth-cookie-keys', 32);
  return [Buffer.from(key).toString('base64url')];
}
