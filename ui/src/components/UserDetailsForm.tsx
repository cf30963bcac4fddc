import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { UserView } from '../api/types.ts';
import { userPath } from '../lib/users.ts';
import { Checkbox, Field } from './Field.tsx';
import { FormNotice, type FormMessage } from './Notice.tsx';

/** Edits a user's name and flags; sends only what changed (PATCH). */
export function UserDetailsForm(props: { user: UserView; onSaved: (user: UserView) => void }) {
  const { user } = props;
  const [fullName, setFullName] = useState(user.full_name ?? '');
  const [isAdmin, setIsAdmin] = useState(user.is_admin);
  const [isActive, setIsActive] = useState(user.is_active);
  const [mustChange, setMustChange] = useState(user.password_change_required);
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);
  const readOnly = user.source === 'file';

  useEffect(() => {
    setFullName(user.full_name ?? '');
    setIsAdmin(user.is_admin);
    setIsActive(user.is_active);
    setMustChange(user.password_change_required);
  }, [user]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const changes: Record<string, unknown> = {};
    if (fullName.trim() !== (user.full_name ?? ''))
      changes.full_name = fullName.trim() === '' ? null : fullName.trim();
    if (isAdmin !== user.is_admin) changes.is_admin = isAdmin;
    if (isActive !== user.is_active) changes.is_active = isActive;
    if (mustChange !== user.password_change_required) changes.password_change_required = mustChange;
    if (Object.keys(changes).length === 0) {
      setMessage({ kind: 'info', text: 'Nothing to save: no field was changed.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const updated = await api<UserView>('PATCH', userPath(user.email), changes);
      setMessage({ kind: 'ok', text: 'User updated successfully' });
      props.onSaved(updated);
    } catch (error) {
      setMessage({
        kind: 'error',
        text: errorMessage(error),
        details: error instanceof ApiError ? error.fields.map((f) => `${f.field}: ${f.message}`) : [],
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(event) => void submit(event)} aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      {readOnly && <p class="hint">This user is defined in the user file: change it there.</p>}
      <fieldset disabled={readOnly} class="stack plain">
        <Field id="edit-full-name" label="Full name" maxLength={200} value={fullName} onValue={setFullName} />
        <div class="checks">
          <Checkbox id="edit-admin" label="Administrator" checked={isAdmin} onChange={setIsAdmin} />
          <Checkbox
            id="edit-active"
            label="Active"
            checked={isActive}
            onChange={setIsActive}
            hint="A disabled user cannot sign in and their keys and sessions stop working."
          />
          <Checkbox
            id="edit-must-change"
            label="Must change password at next sign-in"
            checked={mustChange}
            onChange={setMustChange}
          />
        </div>
        <FormNotice message={message} id="details-message" />
        <div>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
