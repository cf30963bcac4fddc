import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, path } from '../api/client.ts';
import type { BackendConfig, BackendStatus } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { BackendForm } from '../components/BackendForm.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { FormNotice, type FormMessage, Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { stateBadge, statusFields } from '../lib/backends.ts';
import { useResource } from '../lib/use-resource.ts';

const REFRESH_MS = 10_000;

async function loadBackends() {
  const [configs, status] = await Promise.all([
    api<{ backends: BackendConfig[] }>('GET', '/backends'),
    api<{ backends: BackendStatus[] }>('GET', '/status'),
  ]);
  const byName = new Map(status.backends.map((s) => [s.name, s]));
  return configs.backends
    .map((config) => ({ config, status: statusFields(byName.get(config.name)) }))
    .sort((a, b) => a.config.name.localeCompare(b.config.name));
}

/** /admin/backends: every backend with its health; enable, disable, add and remove. */
export function BackendsPage() {
  const backends = useResource(loadBackends, []);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<FormMessage>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void backends.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [backends.reload]);

  const setEnabled = async (name: string, enabled: boolean) => {
    setMessage(null);
    try {
      await api('PATCH', path`/backends/${name}`, { enabled });
      setMessage({ kind: 'ok', text: `${name} ${enabled ? 'enabled' : 'disabled'}.` });
      await backends.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(error) });
    }
  };

  const rows = backends.data ?? [];
  const ready = rows.filter((r) => r.status.state === 'ready').length;
  const failed = rows.filter((r) => r.status.state === 'failed').length;
  return (
    <Page
      title="Backends"
      actions={
        <>
          <button
            type="button"
            class="button"
            onClick={() => void backends.reload()}
            disabled={backends.loading}
          >
            {backends.loading ? 'Refreshing…' : 'Refresh'}
          </button>
          {!adding && (
            <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
              Add backend
            </button>
          )}
        </>
      }
    >
      {adding && (
        <section class="card">
          <BackendForm
            onCancel={() => setAdding(false)}
            onCreated={(backend) => {
              setAdding(false);
              setMessage({ kind: 'ok', text: `Backend ${backend.name} added.` });
              void backends.reload();
            }}
          />
        </section>
      )}
      <FormNotice message={message} />
      {backends.error && <Notice kind="error">{backends.error}</Notice>}
      {backends.data && (
        <p class="hint">
          {rows.length} backend{rows.length === 1 ? '' : 's'}: {ready} ready, {failed} failed. Health
          refreshes every {REFRESH_MS / 1000} seconds.
        </p>
      )}
      {backends.data && rows.length === 0 && (
        <p class="empty">No backends yet. Add one to serve its tools on /mcp.</p>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="table table-stack" aria-label="Backends">
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col">Transport</th>
                <th scope="col">Health</th>
                <th scope="col" class="num">
                  Latency
                </th>
                <th scope="col" class="num">
                  Tools
                </th>
                <th scope="col" class="num">
                  Processes
                </th>
                <th scope="col" class="num">
                  Restarts
                </th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ config, status }) => {
                const badge = stateBadge(config.enabled ? status.state : 'disabled');
                return (
                  <tr
                    key={config.name}
                    data-backend={config.name}
                    class={status.state === 'failed' ? 'row-alert' : ''}
                  >
                    <th scope="row">
                      {config.name}
                      <span class="sub">
                        {config.description ??
                          config.url ??
                          [config.command, ...(config.args ?? [])].join(' ')}
                      </span>
                    </th>
                    <td data-label="Transport">{config.transport}</td>
                    <td data-label="Health">
                      <Badge tone={badge.tone}>{badge.label}</Badge>
                      {status.lastError && <span class="sub error-text">{status.lastError}</span>}
                    </td>
                    <td data-label="Latency" class="num">
                      {status.latencyMs === null ? '—' : `${Math.round(status.latencyMs)} ms`}
                    </td>
                    <td data-label="Tools" class="num">
                      {status.toolCount ?? '—'}
                    </td>
                    <td data-label="Processes" class="num">
                      {status.processCount ?? '—'}
                    </td>
                    <td data-label="Restarts" class="num">
                      {status.restarts ?? '—'}
                    </td>
                    <td class="actions">
                      <button
                        type="button"
                        class="button button-small"
                        aria-label={`${config.enabled ? 'Disable' : 'Enable'} ${config.name}`}
                        onClick={() => void setEnabled(config.name, !config.enabled)}
                      >
                        {config.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        class="button button-small button-danger-quiet"
                        aria-label={`Remove ${config.name}`}
                        onClick={() => setRemoving(config.name)}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing ?? ''}?`}
        confirmLabel="Remove backend"
        danger
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (removing === null) return;
          await api('DELETE', path`/backends/${removing}`);
          setMessage({ kind: 'ok', text: `Backend ${removing} removed.` });
          await backends.reload();
        }}
      >
        <p>Its tools disappear from /mcp at once and its processes are stopped.</p>
      </ConfirmDialog>
    </Page>
  );
}
