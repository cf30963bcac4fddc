import { useMemo, useState } from 'preact/hooks';
import { api, errorMessage } from '../api/client.ts';
import type { UserView } from '../api/types.ts';
import { CreateUserForm } from '../components/CreateUserForm.tsx';
import { FormNotice, type FormMessage, Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { UserBadges } from '../components/UserBadges.tsx';
import { Time } from '../lib/format.tsx';
import { takeFlash } from '../lib/flash.ts';
import { Link } from '../lib/router.tsx';
import { useResource } from '../lib/use-resource.ts';
import { listAllUsers, userPage, userPath } from '../lib/users.ts';

const FILTERS = {
  all: { label: 'All users', test: () => true },
  admins: { label: 'Admins', test: (u: UserView) => u.is_admin },
  locked: { label: 'Locked', test: (u: UserView) => u.is_locked },
  failing: { label: 'With failed attempts', test: (u: UserView) => u.failed_login_attempts > 0 },
  disabled: { label: 'Disabled', test: (u: UserView) => !u.is_active },
  change: { label: 'Password change required', test: (u: UserView) => u.password_change_required },
} as const;
type FilterName = keyof typeof FILTERS;

function matches(user: UserView, query: string): boolean {
  if (query === '') return true;
  const haystack = `${user.email} ${user.username} ${user.full_name ?? ''}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

/** /admin/users: every user with status badges, searchable; create and unlock from here. */
export function UsersPage() {
  const users = useResource(listAllUsers, []);
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<FilterName>('all');
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<FormMessage>(takeFlash);

  const shown = useMemo(
    () => (users.data ?? []).filter((u) => FILTERS[filter].test(u) && matches(u, query.trim())),
    [users.data, filter, query],
  );

  const unlock = async (user: UserView) => {
    setMessage(null);
    try {
      await api('POST', `${userPath(user.email)}/unlock`);
      setMessage({ kind: 'ok', text: `${user.email} unlocked.` });
      await users.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(error) });
    }
  };

  return (
    <Page
      title="Users"
      actions={
        !creating && (
          <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
            New user
          </button>
        )
      }
    >
      {creating && (
        <section class="card">
          <CreateUserForm
            onCancel={() => setCreating(false)}
            onCreated={(user) => {
              setCreating(false);
              setMessage({ kind: 'ok', text: `User ${user.email} created.` });
              void users.reload();
            }}
          />
        </section>
      )}
      <FormNotice message={message} />
      <div class="toolbar" role="search">
        <div class="field">
          <label for="user-search">Search users</label>
          <input
            id="user-search"
            type="search"
            placeholder="Email, username or name"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            aria-controls="users-table"
          />
        </div>
        <div class="field">
          <label for="user-filter">Show</label>
          <select
            id="user-filter"
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value as FilterName)}
          >
            {Object.entries(FILTERS).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          class="button"
          onClick={() => {
            setMessage(null);
            void users.reload();
          }}
          disabled={users.loading}
        >
          {users.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {users.error && <Notice kind="error">{users.error}</Notice>}
      {users.data && (
        <p class="hint" role="status">
          {shown.length === users.data.length
            ? `${users.data.length} user${users.data.length === 1 ? '' : 's'}`
            : `${shown.length} of ${users.data.length} users`}
        </p>
      )}
      {users.data && (
        <div class="table-wrap">
          <table class="table table-stack" id="users-table" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((user) => (
                <tr key={user.id} data-email={user.email} class={user.is_locked ? 'row-alert' : ''}>
                  <th scope="row">
                    <Link to={userPage(user.email)} class="user-link">
                      {user.email}
                    </Link>
                    <span class="sub">
                      {[user.full_name, user.username === user.email ? null : `@${user.username}`]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  </th>
                  <td data-label="Status">
                    <UserBadges user={user} />
                  </td>
                  <td data-label="Last sign-in">
                    {user.last_login ? <Time iso={user.last_login} relative /> : 'Never'}
                  </td>
                  <td class="actions">
                    {user.is_locked && (
                      <button
                        type="button"
                        class="button button-small"
                        aria-label={`Unlock ${user.email}`}
                        onClick={() => void unlock(user)}
                      >
                        Unlock
                      </button>
                    )}
                    <Link
                      to={userPage(user.email)}
                      class="button button-small"
                      aria-label={`Edit ${user.email}`}
                    >
                      Edit
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p class="empty">No user matches.</p>}
        </div>
      )}
    </Page>
  );
}
