import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { UserView } from '../api/types.ts';
import { userPath } from '../lib/users.ts';
import { Checkbox } from './Field.tsx';
import { NewPasswordFields } from './NewPasswordFields.tsx';
import { FormNotice, type FormMessage } from './Notice.tsx';

/** An admin sets a user's password (with confirmation), optionally forcing a change at next sign-in. */
export function SetPasswordForm(props: { user: UserView; onSaved: (user: UserView) => void }) {
  const { user } = props;
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mustChange, setMustChange] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setMessage(null);
    if (password !== confirm) {
      setConfirmError('Passwords do not match');
      return;
    }
    setConfirmError(null);
    setBusy(true);
    try {
      const updated = await api<UserView>('PATCH', userPath(user.email), {
        password,
        ...(mustChange ? { password_change_required: true } : {}),
      });
      setPassword('');
      setConfirm('');
      setMessage({ kind: 'ok', text: 'User updated successfully' });
      props.onSaved(updated);
    } catch (error) {
      setMessage({
        kind: 'error',
        text: errorMessage(error),
        details: error instanceof ApiError ? error.violations : [],
      });
    } finally {
      setBusy(false);
    }
  };

  if (user.source === 'file') {
    return (
      <div class="stack">
        <h2 id="password-title">Set password</h2>
        <p class="hint">This user's password is set in the user file.</p>
      </div>
    );
  }
  return (
    <form class="stack" onSubmit={(event) => void submit(event)} aria-labelledby="password-title">
      <h2 id="password-title">Set password</h2>
      <NewPasswordFields
        id="set"
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={(value) => {
          setConfirm(value);
          if (confirmError && value === password) setConfirmError(null);
        }}
        confirmError={confirmError}
        context={{ email: user.email, username: user.username, fullName: user.full_name }}
      />
      <Checkbox
        id="set-must-change"
        label="Ask the user to choose a new password at next sign-in"
        checked={mustChange}
        onChange={setMustChange}
      />
      <FormNotice message={message} id="password-message" />
      <div>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Set password'}
        </button>
      </div>
    </form>
  );
}
