import type { UserRecord } from '../../store/index.ts';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  username: string;
  full_name: string | null;
  is_admin: boolean;
  is_active: boolean;
  is_locked: boolean;
  password_change_required: boolean;
  failed_login_attempts: number;
  locked_until: string | null;
  email_verified_at: string | null;
  password_changed_at: string | null;
  last_login: string | null;
  created_at: string;
  updated_at: string;
  /** 'file' when AUTH_USER_FILE defines the user (change it there), else 'database'. */
  source: 'database' | 'file';
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** True while `locked_until` is in the future. */
export function isLocked(user: UserRecord, now: Date): boolean {
  return user.lockedUntil !== null && user.lockedUntil.getTime() > now.getTime();
}

/** The public view of a user. */
export function toUserView(user: UserRecord, now: Date): UserView {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    full_name: user.fullName,
    is_admin: user.isAdmin,
    is_active: user.isActive,
    is_locked: isLocked(user, now),
    password_change_required: user.passwordChangeRequired,
    failed_login_attempts: user.failedLoginAttempts,
    locked_until: isLocked(user, now) ? iso(user.lockedUntil) : null,
    email_verified_at: iso(user.emailVerifiedAt),
    password_changed_at: iso(user.passwordChangedAt),
    last_login: iso(user.lastLogin),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    source: user.source,
  };
}
