import { useMemo } from 'preact/hooks';
import { api, path } from '../api/client.ts';
import type { ApiKeyView } from '../api/types.ts';
import { KeysPanel, type KeysSource } from '../components/KeysPanel.tsx';
import { Page } from '../components/Page.tsx';

/** The signed-in user's own keys: /auth/keys. */
export function ownKeysSource(): KeysSource {
  return {
    list: async () => (await api<{ keys: ApiKeyView[] }>('GET', '/auth/keys')).keys,
    create: async (name, ttlDays) =>
      (await api<{ api_key: string }>('POST', '/auth/keys', { name, ttl_days: ttlDays })).api_key,
    revoke: async (key) => {
      await api('DELETE', path`/auth/keys/${key.id}`);
    },
  };
}

/** /admin/keys: the caller's own API keys. */
export function KeysPage() {
  const source = useMemo(ownKeysSource, []);
  return (
    <Page title="API keys">
      <p class="lead">
        API keys let MCP clients and scripts act as you. Send one as{' '}
        <code>Authorization: Bearer mcpgw_…</code>. A key sees the backends you may use.
      </p>
      <section class="card">
        <KeysPanel source={source} id="own-keys" />
      </section>
    </Page>
  );
}
