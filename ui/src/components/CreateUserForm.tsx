import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { UserView } from '../api/types.ts';
import { Checkbox, Field } from './Field.tsx';
import { NewPasswordFields } from './NewPasswordFields.tsx';
import { FormNotice, type FormMessage } from './Notice.tsx';

/** Creates a user (POST /auth/email/admin/users) and hands the new user to `onCreated`. */
export function CreateUserForm(props: { onCreated: (user: UserView) => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [isActive, setIsActive] = useState(true);
  const [mustChange, setMustChange] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setMessage(null);
    setEmailError(null);
    if (password !== confirm) {
      setConfirmError('Passwords do not match');
      return;
    }
    setConfirmError(null);
    setBusy(true);
    try {
      const user = await api<UserView>('POST', '/auth/email/admin/users', {
        email: email.trim(),
        password,
        ...(username.trim() ? { username: username.trim() } : {}),
        ...(fullName.trim() ? { full_name: fullName.trim() } : {}),
        is_admin: isAdmin,
        is_active: isActive,
        password_change_required: mustChange,
      });
      props.onCreated(user);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'user_exists') setEmailError(error.message);
      else
        setMessage({
          kind: 'error',
          text: errorMessage(error),
          details:
            error instanceof ApiError
              ? [...error.violations, ...error.fields.map((f) => `${f.field}: ${f.message}`)]
              : [],
        });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(event) => void submit(event)} aria-labelledby="create-user-title">
      <h2 id="create-user-title">New user</h2>
      <div class="grid-2">
        <Field
          id="new-user-email"
          label="Email"
          type="email"
          autoComplete="off"
          required
          value={email}
          onValue={setEmail}
          error={emailError}
        />
        <Field
          id="new-user-username"
          label="Username (optional)"
          autoComplete="off"
          value={username}
          onValue={setUsername}
          hint="Defaults to the e-mail address."
        />
      </div>
      <Field
        id="new-user-name"
        label="Full name (optional)"
        autoComplete="off"
        value={fullName}
        onValue={setFullName}
      />
      <NewPasswordFields
        id="new-user"
        label="Password"
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={setConfirm}
        confirmError={confirmError}
        context={{ email, username: username || email, fullName }}
      />
      <fieldset class="checks">
        <legend>Account</legend>
        <Checkbox id="new-user-admin" label="Administrator" checked={isAdmin} onChange={setIsAdmin} />
        <Checkbox
          id="new-user-active"
          label="Active (may sign in)"
          checked={isActive}
          onChange={setIsActive}
        />
        <Checkbox
          id="new-user-must-change"
          label="Must change the password at first sign-in"
          checked={mustChange}
          onChange={setMustChange}
        />
      </fieldset>
      <FormNotice message={message} />
      <div class="button-row">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
