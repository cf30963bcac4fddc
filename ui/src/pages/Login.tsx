import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client.ts';
import { Field } from '../components/Field.tsx';
import { PublicLayout } from '../components/Layout.tsx';
import { Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { safeNext } from '../lib/safe-next.ts';
import { useSession } from '../lib/session.tsx';

function loginError(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return 'Invalid email or password.';
  if (error instanceof ApiError && error.status === 429) {
    const minutes =
      error.retryAfterSeconds === null ? null : Math.max(1, Math.ceil(error.retryAfterSeconds / 60));
    return minutes === null
      ? 'Too many failed attempts from this address. Try again later.'
      : `Too many failed attempts from this address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  return errorMessage(error);
}

/** /admin/login: e-mail (or username) and password. */
export function LoginPage(props: { next: string | null; notice: string | null }) {
  const { login } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const outcome = await login(email.trim(), password);
      navigate(outcome === 'password-change-required' ? '/change-password' : safeNext(props.next), {
        replace: true,
      });
    } catch (caught) {
      setError(loginError(caught));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicLayout>
      <Page title="Sign in">
        {props.notice && !error && <Notice kind="info">{props.notice}</Notice>}
        <form class="stack" onSubmit={(event) => void submit(event)}>
          <Field
            id="login-email"
            name="email"
            label="Email or username"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            autoFocus
            value={email}
            onValue={setEmail}
            describedBy={error ? 'login-error' : undefined}
          />
          <Field
            id="login-password"
            name="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onValue={setPassword}
            describedBy={error ? 'login-error' : undefined}
          />
          {error && (
            <p id="login-error" class="field-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="public-links">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
      </Page>
    </PublicLayout>
  );
}
