import type { UserView } from '../api/types.ts';
import { formatDate, fromNow } from '../lib/format.tsx';
import { Badge } from './Badge.tsx';

/** The status badges of a user: Admin, Active/Disabled, Locked (until), failed attempts, forced change, file. */
export function UserBadges(props: { user: UserView }) {
  const { user } = props;
  return (
    <span class="badges">
      {user.is_admin && <Badge tone="admin">Admin</Badge>}
      {user.is_active ? <Badge tone="good">Active</Badge> : <Badge tone="bad">Disabled</Badge>}
      {user.is_locked && (
        <Badge
          tone="bad"
          title={user.locked_until ? `Locked until ${formatDate(user.locked_until)}` : undefined}
        >
          Locked
        </Badge>
      )}
      {user.is_locked && user.locked_until && (
        <Badge tone="warn" title={formatDate(user.locked_until)}>
          Unlocks {fromNow(user.locked_until)}
        </Badge>
      )}
      {user.failed_login_attempts > 0 && (
        <Badge tone="warn">
          {user.failed_login_attempts} failed attempt{user.failed_login_attempts === 1 ? '' : 's'}
        </Badge>
      )}
      {user.password_change_required && <Badge tone="info">Password change required</Badge>}
      {user.source === 'file' && (
        <Badge tone="neutral" title="Defined in AUTH_USER_FILE: change it in that file">
          From file
        </Badge>
      )}
    </span>
  );
}
