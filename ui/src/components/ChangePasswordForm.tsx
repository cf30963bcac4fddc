import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { SessionView, UserView } from '../api/types.ts';
import { useSession } from '../lib/session.tsx';
import { Field } from './Field.tsx';
import { FormNotice, type FormMessage } from './Notice.tsx';
import { PasswordRules, usePasswordPolicy } from './PasswordRules.tsx';

/**
 * Changes the signed-in user's own password (current + new + repeat). The server answers with a
 * fresh session, which replaces the old one (and ends a forced-change state).
 */
export function ChangePasswordForm(props: { user: UserView; onChanged?: () => void; submitLabel?: string }) {
  const { accept } = useSession();
  const policy = usePasswordPolicy();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [currentError, setCurrentError] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setMessage(null);
    setCurrentError(null);
    if (password !== confirm) {
      setConfirmError('Passwords do not match');
      return;
    }
    setConfirmError(null);
    setBusy(true);
    try {
      const view = await api<SessionView>('POST', '/auth/email/change-password', {
        old_password: current,
        new_password: password,
      });
      if (view && typeof view.csrf_token === 'string') accept(view);
      setCurrent('');
      setPassword('');
      setConfirm('');
      setMessage({ kind: 'ok', text: 'Your password has been changed.' });
      props.onChanged?.();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_current_password') {
        setCurrentError('The current password is not correct');
      } else {
        setMessage({
          kind: 'error',
          text: errorMessage(error),
          details: error instanceof ApiError ? error.violations : undefined,
        });
      }
    } finally {
      setBusy(false);
    }
  };

  const context = { email: props.user.email, username: props.user.username, fullName: props.user.full_name };
  return (
    <form class="stack" onSubmit={(event) => void submit(event)}>
      {/* For password managers: which account this password belongs to (hidden, so not announced). */}
      <input type="text" name="username" autoComplete="username" value={props.user.email} readOnly hidden />
      <Field
        id="current-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onValue={setCurrent}
        error={currentError}
      />
      <Field
        id="change-new-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        value={password}
        onValue={setPassword}
        describedBy="change-rules"
      />
      <PasswordRules id="change-rules" policy={policy} password={password} context={context} />
      <Field
        id="change-confirm-password"
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        required
        value={confirm}
        onValue={(value) => {
          setConfirm(value);
          if (confirmError && value === password) setConfirmError(null);
        }}
        error={confirmError}
      />
      <FormNotice message={message} />
      <div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : (props.submitLabel ?? 'Change password')}
        </button>
      </div>
    </form>
  );
}
