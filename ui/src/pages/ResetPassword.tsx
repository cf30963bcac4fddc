import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { PasswordPolicy } from '../api/types.ts';
import { Field } from '../components/Field.tsx';
import { PublicLayout } from '../components/Layout.tsx';
import { Page } from '../components/Page.tsx';
import { PasswordRules } from '../components/PasswordRules.tsx';
import { formatDate } from '../lib/format.tsx';
import { loadPasswordPolicy } from '../lib/password-policy.ts';
import { Link } from '../lib/router.tsx';

type LinkState =
  { kind: 'checking' } | { kind: 'invalid' } | { kind: 'valid'; expiresAt: string } | { kind: 'done' };

/**
 * /admin/reset-password/{token}: the page a reset e-mail links to. The element ids (#status,
 * #form, #rules, #message, …) are those of the original server-rendered page, which scripts and
 * tests rely on.
 */
export function ResetPasswordPage(props: { token: string }) {
  const endpoint = `/auth/email/reset-password/${encodeURIComponent(props.token)}`;
  const [link, setLink] = useState<LinkState>({ kind: 'checking' });
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string; details?: string[] } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const answer = await api<{ expires_at: string }>('GET', endpoint, undefined, { quiet401: true });
        const rules = await loadPasswordPolicy().catch(() => null);
        if (!live) return;
        setPolicy(rules);
        setLink({ kind: 'valid', expiresAt: answer.expires_at });
      } catch {
        if (live) setLink({ kind: 'invalid' });
      }
    })();
    return () => {
      live = false;
    };
  }, [endpoint]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (password !== confirm) {
      setMessage({ kind: 'error', text: 'Passwords do not match' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await api('POST', endpoint, { new_password: password, confirm_password: confirm }, { quiet401: true });
      setLink({ kind: 'done' });
      setMessage({ kind: 'ok', text: 'Your password has been reset. You can now log in.' });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_or_expired_token')
        setLink({ kind: 'invalid' });
      setMessage({
        kind: 'error',
        text: errorMessage(error),
        details: error instanceof ApiError ? error.violations : [],
      });
    } finally {
      setBusy(false);
    }
  };

  const status =
    link.kind === 'checking'
      ? 'Checking your link…'
      : link.kind === 'invalid'
        ? 'This link is invalid or has expired. Request a new one.'
        : link.kind === 'valid'
          ? `Choose a new password. This link works until ${formatDate(link.expiresAt)}.`
          : '';
  const mismatch = message?.kind === 'error' && message.text === 'Passwords do not match';

  return (
    <PublicLayout>
      <Page title="Reset your password">
        <p id="status">{status}</p>
        {link.kind === 'invalid' && (
          <p>
            <Link to="/forgot-password">Request a new link</Link>
          </p>
        )}
        <form id="form" class="stack" hidden={link.kind !== 'valid'} onSubmit={(event) => void submit(event)}>
          <PasswordRules id="rules" policy={policy} password={password} />
          <Field
            id="new_password"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onValue={setPassword}
            describedBy="rules"
          />
          <Field
            id="confirm_password"
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onValue={setConfirm}
            aria-invalid={mismatch ? true : undefined}
            describedBy={mismatch ? 'message' : undefined}
          />
          <button type="submit" class="button button-primary button-block" disabled={busy}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
        <div
          id="message"
          class={message ? `notice notice-${message.kind} ${message.kind}` : 'empty-live'}
          role={message?.kind === 'error' ? 'alert' : 'status'}
        >
          {message?.text}
          {message?.details && message.details.length > 0 && (
            <ul>
              {message.details.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
        {link.kind === 'done' && (
          <p class="public-links">
            <Link to="/login">Sign in</Link>
          </p>
        )}
      </Page>
    </PublicLayout>
  );
}
