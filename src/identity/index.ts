// The identity domain's public API: other domains import only from here.
export type { Auditor, RequestContext, SecurityEvent } from './audit.ts';
export {
  type ApiKeyGrant,
  type Authenticated,
  authenticateToken,
  BOOTSTRAP_ADMIN_ID,
  developmentCaller,
  localUserCaller,
  type TokenRejection,
} from './auth/authenticate.ts';
export { assertPasswordAcceptable, changePassword } from './auth/change-password.ts';
export { csrfTokenFor, isCsrfTokenOf } from './auth/csrf.ts';
export { checkIpLimit, recordIpFailure } from './auth/ip-limit.ts';
export { issueTokenForEmail } from './auth/issue-token.ts';
export { type LoginResult, login, PASSWORD_CHANGE_TOKEN_TTL_SECONDS } from './auth/login.ts';
export { authenticateApiKey } from './keys/authenticate-key.ts';
export { API_KEY_PREFIX, hashApiKey, isApiKeyShaped } from './keys/key-format.ts';
export {
  type ApiKeyView,
  assertCanManageKeys,
  type CreateKeyInput,
  createApiKey,
  listApiKeys,
  purgeExpiredApiKeys,
  revokeApiKey,
  revokeApiKeyBySecret,
  toApiKeyView,
} from './keys/manage-keys.ts';
export { logout } from './auth/logout.ts';
export { type BootstrapOutcome, ensurePlatformAdmin, recoverAdmin } from './bootstrap.ts';
export { generatePassword } from './secrets.ts';
export {
  type AccessPolicy,
  allBackendsBlocked,
  canUseBackend,
  canUseTool,
  OPEN_POLICY,
  parseAccessPolicy,
  visibleBackends,
} from './access/index.ts';
export { listAuthEvents } from './audit-events.ts';
export {
  AuthFileError,
  type AuthFiles,
  addFileToken,
  addFileUser,
  FILE_USER_EMAIL_DOMAIN,
  type FilePasswords,
  type FileToken,
  type FileTokenView,
  type FileUser,
  type FileUserView,
  listFileTokens,
  listFileUsers,
  parseTokenFile,
  parseUserFile,
  removeFileToken,
  removeFileUser,
  setFileUserEnabled,
  setFileUserPassword,
  startAuthFiles,
  syncFileUsers,
} from './files/index.ts';
export { type BackgroundWork } from './background.ts';
export { canonicalEmail, canonicalUsername } from './canonical.ts';
export {
  type AccountLockedListener,
  createIdentityContext,
  type IdentityContext,
  passwordHasherFor,
  passwordPolicyFor,
} from './context.ts';
export { createPasswordHasher, HashingOverloadedError, PASSWORD_MAX_BYTES } from './passwords/index.ts';
export { checkResetToken, completePasswordReset } from './recovery/complete-reset.ts';
export { type AccountNotifier, SILENT_NOTIFIER } from './recovery/notifier.ts';
export { FORGOT_PASSWORD_MESSAGE, requestPasswordReset, resetLink } from './recovery/request-reset.ts';
export { decodeTokenUnverified, type IssuedToken, type TokenPurpose } from './tokens/index.ts';
export {
  type CreateUserInput,
  createKeyOnlyUser,
  createUser,
  deleteUser,
  getUserByEmail,
  getUserByUsername,
  listAllUsers,
  listUsers,
  setUserAccess,
  type UpdateUserInput,
  unlockUser,
  updateUser,
} from './users/manage.ts';
export { isLocked, toUserView, type UserView } from './users/view.ts';
