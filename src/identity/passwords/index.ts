// The password domain's public API: anything exported here becomes public to other domains.
export { isCommonPassword } from './blocklist.ts';
export {
  createPasswordHasher,
  isPasswordHash,
  PASSWORD_MAX_BYTES,
  type PasswordHasher,
  type PasswordHasherOptions,
} from './hasher.ts';
export { createLimiter, HashingOverloadedError, type Limiter, type LimiterOptions } from './limiter.ts';
export {
  createPasswordPolicy,
  type PasswordContext,
  type PasswordPolicy,
  type PasswordPolicyDescription,
  type PasswordPolicyOptions,
} from './policy.ts';
