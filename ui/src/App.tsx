import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { Layout } from './components/Layout.tsx';
import { match, navigate, useLocation } from './lib/router.tsx';
import { safeNext } from './lib/safe-next.ts';
import { SessionProvider, useSession } from './lib/session.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { BackendsPage } from './pages/Backends.tsx';
import { ChangePasswordPage } from './pages/ChangePassword.tsx';
import { DashboardPage } from './pages/Dashboard.tsx';
import { ForgotPasswordPage } from './pages/ForgotPassword.tsx';
import { KeysPage } from './pages/Keys.tsx';
import { LoginPage } from './pages/Login.tsx';
import { NotFoundPage } from './pages/NotFound.tsx';
import { OAuthPage } from './pages/OAuth.tsx';
import { ProfilePage } from './pages/Profile.tsx';
import { ResetPasswordPage } from './pages/ResetPassword.tsx';
import { UserEditPage } from './pages/UserEdit.tsx';
import { UsersPage } from './pages/Users.tsx';

/** Replaces the current history entry with `to` once rendered. */
function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return null;
}

const ADMIN_PAGES: [string, (params: Record<string, string>) => JSX.Element][] = [
  ['/', () => <DashboardPage />],
  ['/users', () => <UsersPage />],
  ['/users/:email', (p) => <UserEditPage email={p.email!} key={p.email} />],
  ['/backends', () => <BackendsPage />],
  ['/audit', () => <AuditPage />],
  ['/oauth', () => <OAuthPage />],
];

function Routes() {
  const { state } = useSession();
  const { path, search } = useLocation();

  // Pages that work with or without a session.
  const reset = match('/reset-password/:token', path);
  if (reset) return <ResetPasswordPage token={reset.token!} />;
  if (path === '/forgot-password') return <ForgotPasswordPage />;

  if (state.status === 'loading') {
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    );
  }
  if (state.status === 'anonymous') {
    if (path === '/login') return <LoginPage next={search.get('next')} notice={state.notice} />;
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + (search.size ? `?${search}` : ''))}`;
    return <Redirect to={`/login${next}`} />;
  }

  const { user } = state;
  if (state.passwordChangeRequired) {
    if (path === '/change-password')
      return <ChangePasswordPage user={user} next={safeNext(search.get('next'))} />;
    return <Redirect to="/change-password" />;
  }
  if (path === '/login' || path === '/change-password') return <Redirect to={safeNext(search.get('next'))} />;

  let page: JSX.Element | null = null;
  if (path === '/profile') page = <ProfilePage user={user} />;
  else if (path === '/keys') page = <KeysPage />;
  else {
    for (const [pattern, render] of ADMIN_PAGES) {
      const params = match(pattern, path);
      if (params === null) continue;
      if (!user.is_admin) return <Redirect to="/profile" />;
      page = render(params);
      break;
    }
  }
  return (
    <Layout user={user} path={path}>
      {page ?? <NotFoundPage />}
    </Layout>
  );
}

/** The admin UI. */
export function App() {
  return (
    <SessionProvider>
      <Routes />
    </SessionProvider>
  );
}
