import { decodeJwt, decodeProtectedHeader, errors } from 'jose';

/** A token's header and payload as written, signature not checked. */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * Reads a compact JWT's header and payload without checking its signature, for display only (the CLI's
 * `jwt decode`): never trust what it returns. Returns null for anything that is not a compact JWS JWT.
 */
export function decodeTokenUnverified(token: string): DecodedToken | null {
  if (typeof token !== 'string') return null;
  try {
    return { header: { ...decodeProtectedHeader(token) }, payload: { ...decodeJwt(token) } };
  } catch (error) {
    // decodeProtectedHeader reports malformed input as a TypeError, decodeJwt as a JOSEError.
    if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}
