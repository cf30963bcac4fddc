import type { UserView } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { ChangePasswordForm } from '../components/ChangePasswordForm.tsx';
import { Page } from '../components/Page.tsx';
import { Time } from '../lib/format.tsx';
import { Link } from '../lib/router.tsx';

/** /admin/profile: who you are, your password and a way to your keys. */
export function ProfilePage(props: { user: UserView }) {
  const { user } = props;
  return (
    <Page title="Your profile">
      <div class="grid-2">
        <section class="card" aria-labelledby="profile-account">
          <h2 id="profile-account">Account</h2>
          <dl class="facts">
            <dt>Email</dt>
            <dd>{user.email}</dd>
            <dt>Username</dt>
            <dd>{user.username}</dd>
            <dt>Name</dt>
            <dd>{user.full_name || '—'}</dd>
            <dt>Role</dt>
            <dd>{user.is_admin ? <Badge tone="admin">Admin</Badge> : 'User'}</dd>
            <dt>Last sign-in</dt>
            <dd>
              <Time iso={user.last_login} />
            </dd>
            <dt>Member since</dt>
            <dd>
              <Time iso={user.created_at} />
            </dd>
          </dl>
          <p>
            <Link to="/keys" class="button">
              Manage your API keys
            </Link>
          </p>
        </section>
        <section class="card" aria-labelledby="profile-password">
          <h2 id="profile-password">Change password</h2>
          {user.source === 'file' ? (
            <p>Your account is defined in the server's user file; an operator changes its password there.</p>
          ) : (
            <ChangePasswordForm user={user} />
          )}
        </section>
      </div>
    </Page>
  );
}
