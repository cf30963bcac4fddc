import type { UserView } from '../api/types.ts';
import { ChangePasswordForm } from '../components/ChangePasswordForm.tsx';
import { PublicLayout } from '../components/Layout.tsx';
import { Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';

/** /admin/change-password: the forced change after signing in with a password that must be replaced. */
export function ChangePasswordPage(props: { user: UserView; next: string }) {
  const { logout } = useSession();
  return (
    <PublicLayout>
      <Page title="Choose a new password">
        <Notice kind="warn">Your password must be changed before you can continue.</Notice>
        <ChangePasswordForm
          user={props.user}
          submitLabel="Change password and continue"
          onChanged={() => navigate(props.next, { replace: true })}
        />
        <p class="public-links">
          <button
            type="button"
            class="link-button"
            onClick={() => void logout().then(() => navigate('/login', { replace: true }))}
          >
            Sign out instead
          </button>
        </p>
      </Page>
    </PublicLayout>
  );
}
