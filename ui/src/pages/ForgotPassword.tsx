import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import { Field } from '../components/Field.tsx';
import { PublicLayout } from '../components/Layout.tsx';
import { FormNotice, type FormMessage } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { Link } from '../lib/router.tsx';

/** /admin/forgot-password: asks for a reset link by e-mail; the answer never says whether the account exists. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const answer = await api<{ message?: string }>('POST', '/auth/email/forgot-password', {
        email: email.trim(),
      });
      setMessage({
        kind: 'ok',
        text: answer?.message ?? 'If that account exists, a reset link is on its way. Check your e-mail.',
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'password_reset_disabled') {
        setMessage({
          kind: 'error',
          text: 'Password reset by e-mail is switched off. Ask an administrator.',
        });
      } else if (error instanceof ApiError && error.status === 429) {
        setMessage({ kind: 'error', text: 'Too many reset requests. Wait a few minutes and try again.' });
      } else setMessage({ kind: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicLayout>
      <Page title="Forgot your password?">
        <p>Enter the e-mail address of your account and we will send you a link to choose a new password.</p>
        <form class="stack" onSubmit={(event) => void submit(event)}>
          <Field
            id="forgot-email"
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onValue={setEmail}
          />
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy ? 'Sending…' : 'Send reset link'}
          </button>
        </form>
        <FormNotice message={message} />
        <p class="public-links">
          <Link to="/login">Back to sign in</Link>
        </p>
      </Page>
    </PublicLayout>
  );
}
