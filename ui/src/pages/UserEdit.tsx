import { useMemo, useState } from 'preact/hooks';
import { api, errorMessage, path } from '../api/client.ts';
import type { ApiKeyView, UserView } from '../api/types.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { KeysPanel, type KeysSource } from '../components/KeysPanel.tsx';
import { FormNotice, type FormMessage, Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { SetPasswordForm } from '../components/SetPasswordForm.tsx';
import { UserAccessForm } from '../components/UserAccessForm.tsx';
import { UserBadges } from '../components/UserBadges.tsx';
import { UserDetailsForm } from '../components/UserDetailsForm.tsx';
import { flash } from '../lib/flash.ts';
import { formatDate, Time } from '../lib/format.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useResource } from '../lib/use-resource.ts';
import { userPath } from '../lib/users.ts';

function userKeysSource(username: string): KeysSource {
  return {
    list: async () => (await api<{ keys: ApiKeyView[] }>('GET', path`/users/${username}/keys`)).keys,
    create: async (name, ttlDays) =>
      (
        await api<{ api_key: string }>('POST', path`/users/${username}/keys`, {
          key_name: name,
          ttl_days: ttlDays,
        })
      ).api_key,
    revoke: async (key) => {
      await api('POST', '/keys/revoke', { key_id: key.id });
    },
  };
}

/** /admin/users/{email}: one user's details, lockout, password, access and keys. */
export function UserEditPage(props: { email: string }) {
  const session = useSession();
  const user = useResource(() => api<UserView>('GET', userPath(props.email)), [props.email]);
  const [message, setMessage] = useState<FormMessage>(null);
  const [deleting, setDeleting] = useState(false);
  const keys = useMemo(() => (user.data ? userKeysSource(user.data.username) : null), [user.data?.username]);

  const saved = (updated: UserView) => {
    user.setData(updated);
    if (session.state.status === 'signed-in' && session.state.user.id === updated.id)
      session.setUser(updated);
  };
  const action = async (run: () => Promise<UserView>, done: string) => {
    setMessage(null);
    try {
      saved(await run());
      setMessage({ kind: 'ok', text: done });
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(error) });
    }
  };

  if (user.error && !user.data) {
    return (
      <Page title="User">
        <Notice kind="error">{user.error}</Notice>
        <p>
          <Link to="/users">Back to users</Link>
        </p>
      </Page>
    );
  }
  if (!user.data) return <p class="loading">Loading…</p>;
  const u = user.data;
  return (
    <Page title={u.email}>
      <p class="breadcrumbs">
        <Link to="/users">Users</Link> › {u.email}
      </p>
      <section class="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <p>
          <UserBadges user={u} />
        </p>
        <dl class="facts">
          <dt>Username</dt>
          <dd>{u.username}</dd>
          <dt>Failed sign-in attempts</dt>
          <dd>{u.failed_login_attempts}</dd>
          <dt>Locked until</dt>
          <dd>{u.is_locked && u.locked_until ? formatDate(u.locked_until) : 'Not locked'}</dd>
          <dt>Last sign-in</dt>
          <dd>
            <Time iso={u.last_login} />
          </dd>
          <dt>Created</dt>
          <dd>
            <Time iso={u.created_at} />
          </dd>
        </dl>
        <div class="button-row">
          <button
            type="button"
            class="button"
            disabled={!u.is_locked && u.failed_login_attempts === 0}
            onClick={() =>
              void action(() => api<UserView>('POST', `${userPath(u.email)}/unlock`), `${u.email} unlocked.`)
            }
          >
            Unlock
          </button>
          <button
            type="button"
            class="button"
            disabled={u.password_change_required || u.source === 'file'}
            onClick={() =>
              void action(
                () => api<UserView>('PATCH', userPath(u.email), { password_change_required: true }),
                'The user must choose a new password at next sign-in.',
              )
            }
          >
            Force password change
          </button>
          <button
            type="button"
            class="button button-danger"
            disabled={u.source === 'file'}
            onClick={() => setDeleting(true)}
          >
            Delete user
          </button>
        </div>
        <FormNotice message={message} id="status-message" />
      </section>
      <div class="grid-2">
        <section class="card">
          <UserDetailsForm user={u} onSaved={saved} />
        </section>
        <section class="card">
          <SetPasswordForm user={u} onSaved={saved} />
        </section>
      </div>
      <section class="card">
        <UserAccessForm user={u} />
      </section>
      <section class="card" aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        {keys && <KeysPanel source={keys} id="user-keys" owner={u.email} />}
      </section>
      <ConfirmDialog
        open={deleting}
        title={`Delete ${u.email}?`}
        confirmLabel="Delete user"
        danger
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await api('DELETE', userPath(u.email));
          flash({ kind: 'ok', text: `User ${u.email} deleted.` });
          navigate('/users');
        }}
      >
        <p>The user, their API keys and their sessions are removed. This cannot be undone.</p>
      </ConfirmDialog>
    </Page>
  );
}
