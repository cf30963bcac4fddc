import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import type { UserView } from '../api/types.ts';
import { draftOf, loadAccess, previewTools, type RuleDraft, rulesOf, saveAccess } from '../lib/access.ts';
import { useResource } from '../lib/use-resource.ts';
import { FormNotice, type FormMessage, Notice } from './Notice.tsx';
import { ToolRulesEditor } from './ToolRulesEditor.tsx';
import { ToolPreview } from './ToolPreview.tsx';

function toggle(list: string[], name: string, on: boolean): string[] {
  return on ? [...new Set([...list, name])] : list.filter((n) => n !== name);
}

/** Per-user MCP access: allowed and blocked backends, tool rules, and a preview of the result. */
export function UserAccessForm(props: { user: UserView }) {
  const { user } = props;
  const loaded = useResource(() => loadAccess(user.username), [user.username]);
  const tools = useResource(() => previewTools(user.email), [user.email]);
  const [allowed, setAllowed] = useState<string[]>([]);
  const [blocked, setBlocked] = useState<string[]>([]);
  const [rules, setRules] = useState<RuleDraft[]>([]);
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);
  const readOnly = user.source === 'file';

  useEffect(() => {
    if (!loaded.data) return;
    setAllowed(loaded.data.access.allowed_mcps);
    setBlocked(loaded.data.access.blocked_mcps);
    setRules((loaded.data.access.tool_rules ?? []).map(draftOf));
  }, [loaded.data]);

  const names = [...new Set([...(loaded.data?.backends ?? []), ...allowed, ...blocked])].sort();
  const known = new Set(loaded.data?.backends ?? []);
  const effective = names.filter(
    (n) => known.has(n) && (allowed.length === 0 || allowed.includes(n)) && !blocked.includes(n),
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await saveAccess(user.username, {
        allowed_mcps: allowed,
        blocked_mcps: blocked,
        tool_rules: rulesOf(rules),
      });
      setMessage({ kind: 'ok', text: 'Access saved.' });
      await Promise.all([loaded.reload(), tools.reload()]);
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="stack">
      <h2 id="access-title">MCP access</h2>
      {loaded.error && <Notice kind="error">{loaded.error}</Notice>}
      {readOnly && <p class="hint">This user's access is set in the user file.</p>}
      <form class="stack" onSubmit={(event) => void submit(event)} aria-labelledby="access-title">
        <fieldset disabled={readOnly || !loaded.data} class="stack plain">
          <p class="hint" id="access-help">
            With no backend ticked as allowed, every backend is allowed. A blocked backend is refused even
            when allowed.
          </p>
          {names.length === 0 ? (
            <p class="empty">No backends are configured yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="table table-compact" aria-describedby="access-help">
                <caption class="sr-only">Backends this user may use</caption>
                <thead>
                  <tr>
                    <th scope="col">Backend</th>
                    <th scope="col">Allowed</th>
                    <th scope="col">Blocked</th>
                  </tr>
                </thead>
                <tbody>
                  {names.map((name) => (
                    <tr key={name}>
                      <th scope="row">
                        {name}
                        {!known.has(name) && <span class="sub">not configured</span>}
                      </th>
                      <td>
                        <input
                          type="checkbox"
                          id={`allow-${name}`}
                          aria-label={`Allow ${name}`}
                          checked={allowed.includes(name)}
                          onChange={(e) => setAllowed(toggle(allowed, name, e.currentTarget.checked))}
                        />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          id={`block-${name}`}
                          aria-label={`Block ${name}`}
                          checked={blocked.includes(name)}
                          onChange={(e) => setBlocked(toggle(blocked, name, e.currentTarget.checked))}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="hint" role="status">
            May use: {effective.length === 0 ? 'no backend' : effective.join(', ')}
          </p>
          <ToolRulesEditor rules={rules} onChange={setRules} backends={loaded.data?.backends ?? []} />
          <FormNotice message={message} id="access-message" />
          <div>
            <button type="submit" class="button button-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save access'}
            </button>
          </div>
        </fieldset>
      </form>
      <ToolPreview tools={tools} />
    </div>
  );
}
