// Edits of token and user files for the CLI: atomic, locked, comment-preserving.
export { addFileToken, type FileTokenView, listFileTokens, removeFileToken } from './token-file-edits.ts';
export {
  addFileUser,
  type FilePasswords,
  type FileUserView,
  listFileUsers,
  removeFileUser,
  setFileUserEnabled,
  setFileUserPassword,
} from './user-file-edits.ts';
