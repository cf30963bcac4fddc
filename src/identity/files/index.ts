// Token and user files (AUTH_TOKEN_FILE, AUTH_USER_FILE): parsing, loading, watching and editing.
export { AuthFileError } from './auth-file-error.ts';
export { type AuthFiles, startAuthFiles } from './auth-files.ts';
export { type FileUserChanges, syncFileUsers } from './sync-file-users.ts';
export { type FileToken, parseTokenFile } from './token-file.ts';
export { FILE_USER_EMAIL_DOMAIN, type FileUser, parseUserFile } from './user-file.ts';
export {
  addFileToken,
  addFileUser,
  type FilePasswords,
  type FileTokenView,
  type FileUserView,
  listFileTokens,
  listFileUsers,
  removeFileToken,
  removeFileUser,
  setFileUserEnabled,
  setFileUserPassword,
} from './edit/index.ts';
