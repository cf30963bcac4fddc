import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.ts';

const SETTINGS_KEY = 'jwt_secret_key';

/**
 * The key that signs access tokens: JWT_SECRET_KEY when set, else one generated once (384 random
 * bits) and kept in the database, so every replica and restart agrees. The first writer wins.
 */
export async function resolveJwtSecret(configured: string | undefined, store: Store): Promise<string> {
  if (configured !== undefined) return configured;
  return store.settings.setIfAbsent(SETTINGS_KEY, randomBytes(48).toString('base64url'));
}
