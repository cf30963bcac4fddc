import { useState } from 'preact/hooks';
import { api, path } from '../api/client.ts';
import type { OAuthClient, OAuthGrant } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { FormNotice, type FormMessage, Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { Time } from '../lib/format.tsx';
import { useResource } from '../lib/use-resource.ts';

type Pending = { kind: 'client'; client: OAuthClient } | { kind: 'grant'; grant: OAuthGrant } | null;

function resourcesOf(grant: OAuthGrant): string[] {
  return Array.isArray(grant.resources) ? grant.resources : Object.keys(grant.resources ?? {});
}

/** /admin/oauth: the OAuth clients and users' grants; remove a client or revoke a grant. */
export function OAuthPage() {
  const clients = useResource(
    async () => (await api<{ clients: OAuthClient[] }>('GET', '/oauth/clients')).clients,
    [],
  );
  const grants = useResource(
    async () => (await api<{ grants: OAuthGrant[] }>('GET', '/oauth/grants')).grants,
    [],
  );
  const [pending, setPending] = useState<Pending>(null);
  const [message, setMessage] = useState<FormMessage>(null);
  const names = new Map((clients.data ?? []).map((c) => [c.client_id, c.client_name ?? c.client_id]));

  return (
    <Page title="OAuth">
      <p class="lead">
        MCP clients that sign users in with OAuth (Claude, ChatGPT, VS Code…) appear here once registered, and
        each user's approval of a client is a grant.
      </p>
      <FormNotice message={message} />
      <section class="card" aria-labelledby="clients-title">
        <h2 id="clients-title">Clients</h2>
        {clients.error && <Notice kind="error">{clients.error}</Notice>}
        {clients.data && clients.data.length === 0 && <p class="empty">No OAuth clients registered.</p>}
        {clients.data && clients.data.length > 0 && (
          <div class="table-wrap">
            <table class="table table-stack" aria-labelledby="clients-title">
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">Redirect URIs</th>
                  <th scope="col">Type</th>
                  <th scope="col">Registered</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {clients.data.map((client) => (
                  <tr key={client.client_id}>
                    <th scope="row">
                      {client.client_name ?? 'Unnamed client'}
                      <span class="sub mono">{client.client_id}</span>
                    </th>
                    <td data-label="Redirect URIs">
                      <ul class="plain-list mono">
                        {client.redirect_uris.map((uri) => (
                          <li key={uri}>{uri}</li>
                        ))}
                      </ul>
                    </td>
                    <td data-label="Type">
                      {client.token_endpoint_auth_method === 'none' ? 'Public (PKCE)' : 'Confidential'}{' '}
                      {client.source === 'config' && <Badge tone="neutral">Configured</Badge>}
                    </td>
                    <td data-label="Registered">
                      {client.created_at ? <Time iso={client.created_at} /> : '—'}
                    </td>
                    <td class="actions">
                      {client.source === 'config' ? (
                        <span class="hint">Remove it from OAUTH_CLIENTS</span>
                      ) : (
                        <button
                          type="button"
                          class="button button-small button-danger-quiet"
                          aria-label={`Remove client ${client.client_name ?? client.client_id}`}
                          onClick={() => setPending({ kind: 'client', client })}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="grants-title">
        <h2 id="grants-title">Grants</h2>
        {grants.error && <Notice kind="error">{grants.error}</Notice>}
        {grants.data && grants.data.length === 0 && <p class="empty">No user has authorized a client.</p>}
        {grants.data && grants.data.length > 0 && (
          <div class="table-wrap">
            <table class="table table-stack" aria-labelledby="grants-title">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Client</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Resources</th>
                  <th scope="col">Granted</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {grants.data.map((grant) => (
                  <tr key={grant.grant_id}>
                    <th scope="row">{grant.user_email ?? '(deleted user)'}</th>
                    <td data-label="Client">{names.get(grant.client_id) ?? grant.client_id}</td>
                    <td data-label="Scopes" class="mono">
                      {grant.scopes.join(' ')}
                    </td>
                    <td data-label="Resources">
                      <ul class="plain-list mono">
                        {resourcesOf(grant).map((resource) => (
                          <li key={resource}>{resource}</li>
                        ))}
                      </ul>
                    </td>
                    <td data-label="Granted">
                      <Time iso={grant.created_at} />
                    </td>
                    <td data-label="Expires">
                      {grant.expires_at ? <Time iso={grant.expires_at} /> : 'Never'}
                    </td>
                    <td class="actions">
                      <button
                        type="button"
                        class="button button-small button-danger-quiet"
                        aria-label={`Revoke grant of ${grant.user_email ?? grant.grant_id}`}
                        onClick={() => setPending({ kind: 'grant', grant })}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === 'client' ? 'Remove this client?' : 'Revoke this grant?'}
        confirmLabel={pending?.kind === 'client' ? 'Remove client' : 'Revoke grant'}
        danger
        onClose={() => setPending(null)}
        onConfirm={async () => {
          if (pending?.kind === 'client') {
            await api('DELETE', path`/oauth/clients/${pending.client.client_id}`);
            setMessage({ kind: 'ok', text: 'Client removed; its grants and tokens are revoked.' });
          } else if (pending?.kind === 'grant') {
            await api('DELETE', path`/oauth/grants/${pending.grant.grant_id}`);
            setMessage({ kind: 'ok', text: 'Grant revoked; its tokens stop working at once.' });
          }
          await Promise.all([clients.reload(), grants.reload()]);
        }}
      >
        {pending?.kind === 'client' ? (
          <p>
            Every grant and token of <strong>{pending.client.client_name ?? pending.client.client_id}</strong>{' '}
            is revoked and it can no longer sign users in.
          </p>
        ) : (
          <p>
            The client loses access for{' '}
            {pending?.kind === 'grant' ? (pending.grant.user_email ?? 'this user') : ''}.
          </p>
        )}
      </ConfirmDialog>
    </Page>
  );
}
