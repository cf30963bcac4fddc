import { AppError } from '../../errors/index.ts';
import type { UserRecord } from '../../store/index.ts';

/**
 * Throws user_managed_by_file for a user defined in AUTH_USER_FILE: the file owns its password,
 * admin flag, enabled state, name and access, and the next reload would undo any other change.
 * Unlocking and API keys are state of the database, so they stay open to such users.
 */
export function assertDefinedInDatabase(user: Pick<UserRecord, 'source'>): void {
  if (user.source === 'file') throw new AppError('user_managed_by_file');
}
