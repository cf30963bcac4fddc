import { randomSecret, sha256Hex } from '../secrets.ts';

/** Every API key starts with this, so scanners and humans recognise one. */
export const API_KEY_PREFIX = 'mcpgw_';
const KEY_SHAPE = /^mcpgw_[A-Za-z0-9_-]{43}$/;

/** A new API key: `mcpgw_` and 256 random bits, base64url. */
export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomSecret()}`;
}

/** The SHA-256 (hex) stored in place of a key. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** The part of a key that may be shown again: `mcpgw_` and its first 6 secret characters. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 6);
}

/** True when `value` has the shape of a key Gatehouse issues. */
export function isApiKeyShaped(value: unknown): value is string {
  return typeof value === 'string' && KEY_SHAPE.test(value);
}
