import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits from the CSPRNG, base64url (43 characters): reset tokens and API keys. */
export function randomSecret(random: (size: number) => Buffer = randomBytes): string {
  return random(32).toString('base64url');
}

/** The SHA-256 of `text` (UTF-8), hex: what is stored in place of a token or key. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A password that passes any policy Gatehouse allows: 192 random bits as 32 base64url characters. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
