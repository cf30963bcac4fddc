export { type DecodedToken, decodeTokenUnverified } from './decode.ts';
export { createTokenSigner, MIN_SECRET_BYTES } from './signer.ts';
export {
  type IssuedToken,
  type IssueOptions,
  TOKEN_PURPOSES,
  type TokenPurpose,
  type TokenSigner,
  type TokenSignerOptions,
  type TokenSubject,
  type VerifiedToken,
} from './types.ts';
export { CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_LENGTH } from './verify.ts';
