/** What a token may be used for: normal API access, or only to change a password. */
export type TokenPurpose = 'access' | 'password_change';

/** Every purpose a token may carry; anything else is rejected on verification. */
export const TOKEN_PURPOSES: readonly TokenPurpose[] = Object.freeze(['access', 'password_change']);

/** The user a token is issued to. */
export interface TokenSubject {
  id: string;
  email: string;
}

/** Per-token choices for `TokenSigner.issue`. */
export interface IssueOptions {
  /** Lifetime in whole seconds; defaults to the signer's `defaultTtlSeconds`. */
  ttlSeconds?: number;
  /** Defaults to `'access'`. */
  purpose?: TokenPurpose;
}

/** A freshly signed token and the facts a response needs about it. */
export interface IssuedToken {
  token: string;
  jti: string;
  /** The exact issue time in epoch milliseconds (also in the `iat_ms` claim). */
  issuedAtMs: number;
  expiresAt: Date;
  /** Lifetime in seconds, as for an OAuth `expires_in`. */
  expiresIn: number;
}

/** The claims of a token whose signature, issuer, audience and lifetime all checked out. */
export interface VerifiedToken {
  userId: string;
  email: string;
  jti: string;
  /** Issue time in epoch milliseconds, to compare with a user's `tokens_valid_after`. */
  issuedAtMs: number;
  expiresAt: Date;
  purpose: TokenPurpose;
}

/** Issues and verifies the gateway's HS256 access tokens. */
export interface TokenSigner {
  /** Signs a token for `subject`; throws TypeError on a malformed subject or options. */
  issue(subject: TokenSubject, options?: IssueOptions): Promise<IssuedToken>;
  /** The token's claims, or null for anything not a valid, unexpired token of this signer. Never throws. */
  verify(token: string): Promise<VerifiedToken | null>;
}

/** How `createTokenSigner` is configured. */
export interface TokenSignerOptions {
  /** The HMAC secret; at least 32 bytes of UTF-8. */
  secret: string;
  issuer: string;
  audience: string;
  defaultTtlSeconds: number;
  /** The clock, in epoch milliseconds; defaults to `Date.now`. */
  now?: () => number;
}
