import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client.ts';
import type { ApiKeyView } from '../api/types.ts';
import { Time } from '../lib/format.tsx';
import { useResource } from '../lib/use-resource.ts';
import { Badge } from './Badge.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CopyButton } from './CopyButton.tsx';
import { Field } from './Field.tsx';
import { FormNotice, type FormMessage, Notice } from './Notice.tsx';

/** Where a KeysPanel gets and changes keys: the caller's own, or (for an admin) another user's. */
export interface KeysSource {
  list(): Promise<ApiKeyView[]>;
  /** Creates a key and returns its secret, which is never shown again. */
  create(name: string, ttlDays: number | null): Promise<string>;
  revoke(key: ApiKeyView): Promise<void>;
}

const LIFETIMES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never expires' },
];

const STATE_TONE = { active: 'good', expired: 'warn', revoked: 'neutral' } as const;

/** Create (key shown once, with a copy button), list and revoke API keys. */
export function KeysPanel(props: { source: KeysSource; id: string; owner?: string }) {
  const { source, id } = props;
  const keys = useResource(() => source.list(), [source]);
  const [name, setName] = useState('');
  const [lifetime, setLifetime] = useState('90');
  const [nameError, setNameError] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage>(null);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    setMessage(null);
    if (name.trim() === '') {
      setNameError('Give the key a name');
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      const value = await source.create(name.trim(), lifetime === 'never' ? null : Number(lifetime));
      setSecret({ name: name.trim(), value });
      setName('');
      await keys.reload();
    } catch (error) {
      if (error instanceof ApiError && error.fields.length > 0)
        setNameError(error.fields.map((f) => f.message).join('; '));
      else setMessage({ kind: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  const mcpUrl = `${window.location.origin}/mcp`;
  return (
    <div class="stack">
      {secret && (
        <section class="secret-box" aria-labelledby={`${id}-secret-title`}>
          <h3 id={`${id}-secret-title`}>New key “{secret.name}”</h3>
          <Notice kind="warn">Save this key now: it will not be shown again.</Notice>
          <div class="secret-row">
            <label for={`${id}-secret`} class="sr-only">
              The new API key
            </label>
            <input
              id={`${id}-secret`}
              class="secret-value mono"
              readOnly
              value={secret.value}
              onFocus={(e) => e.currentTarget.select()}
            />
            <CopyButton text={secret.value} label="Copy key" />
          </div>
          <p class="hint">
            Connect an MCP client to <code>{mcpUrl}</code> with the header{' '}
            <code>Authorization: Bearer {secret.value.slice(0, 12)}…</code>
          </p>
          <button type="button" class="button" onClick={() => setSecret(null)}>
            I have saved it
          </button>
        </section>
      )}

      <form
        class="inline-form"
        onSubmit={(event) => void create(event)}
        aria-labelledby={`${id}-create-title`}
      >
        <h3 id={`${id}-create-title`} class="sr-only">
          Create a key
        </h3>
        <Field
          id={`${id}-name`}
          label="Key name"
          placeholder="laptop, ci, claude-desktop…"
          maxLength={100}
          value={name}
          onValue={setName}
          error={nameError}
        />
        <div class="field">
          <label for={`${id}-ttl`}>Expires after</label>
          <select
            id={`${id}-ttl`}
            name="ttl_days"
            value={lifetime}
            onChange={(e) => setLifetime(e.currentTarget.value)}
          >
            {LIFETIMES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-button">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      <FormNotice message={message} />

      {keys.error && <Notice kind="error">{keys.error}</Notice>}
      {keys.data && keys.data.length === 0 && <p class="empty">No API keys yet.</p>}
      {keys.data && keys.data.length > 0 && (
        <div class="table-wrap">
          <table
            class="table table-stack"
            aria-label={props.owner ? `API keys of ${props.owner}` : 'Your API keys'}
          >
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id} class={key.state === 'active' ? '' : 'row-muted'}>
                  <th scope="row">
                    {key.name}
                    {key.admin && (
                      <>
                        {' '}
                        <Badge tone="admin">Admin</Badge>
                      </>
                    )}
                  </th>
                  <td data-label="Prefix" class="mono">
                    {key.prefix}…
                  </td>
                  <td data-label="State">
                    <Badge tone={STATE_TONE[key.state]}>
                      {key.state[0]!.toUpperCase() + key.state.slice(1)}
                    </Badge>
                  </td>
                  <td data-label="Created">
                    <Time iso={key.created_at} />
                  </td>
                  <td data-label="Expires">{key.expires_at ? <Time iso={key.expires_at} /> : 'Never'}</td>
                  <td data-label="Last used">
                    {key.last_used_at ? <Time iso={key.last_used_at} relative /> : 'Never'}
                  </td>
                  <td class="actions">
                    {key.state === 'active' && (
                      <button
                        type="button"
                        class="button button-danger-quiet"
                        aria-label={`Revoke key ${key.name}`}
                        onClick={() => setRevoking(key)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke key"
        danger
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (revoking === null) return;
          await source.revoke(revoking);
          setMessage({ kind: 'ok', text: `Key “${revoking.name}” revoked.` });
          await keys.reload();
        }}
      >
        <p>
          Clients using <strong>{revoking?.name}</strong> ({revoking?.prefix}…) are refused from their next
          request. This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
