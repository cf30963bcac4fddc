import { api } from '../api/client.ts';
import type { AuditEvent, BackendStatus } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { eventKind } from '../lib/audit.ts';
import { stateBadge, statusFields } from '../lib/backends.ts';
import { Time } from '../lib/format.tsx';
import { Link } from '../lib/router.tsx';
import { useResource } from '../lib/use-resource.ts';
import { listAllUsers } from '../lib/users.ts';

function Stat(props: { label: string; value: number | string; tone?: 'bad' | 'warn' }) {
  return (
    <div class={`stat ${props.tone && props.value !== 0 ? `stat-${props.tone}` : ''}`}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
    </div>
  );
}

/** /admin: users, backends and recent security events at a glance. */
export function DashboardPage() {
  const users = useResource(listAllUsers, []);
  const status = useResource(
    async () => (await api<{ backends: BackendStatus[] }>('GET', '/status')).backends,
    [],
  );
  const events = useResource(
    async () => (await api<{ events: AuditEvent[] }>('GET', '/auth/email/admin/events?limit=200')).events,
    [],
  );
  const u = users.data ?? [];
  const b = (status.data ?? []).map((s) => ({ name: s.name, ...statusFields(s) }));
  const notable = (events.data ?? []).filter((e) => eventKind(e) !== 'normal').slice(0, 8);

  return (
    <Page title="Overview">
      <div class="grid-3">
        <section class="card" aria-labelledby="dash-users">
          <h2 id="dash-users">
            <Link to="/users">Users</Link>
          </h2>
          {users.error && <Notice kind="error">{users.error}</Notice>}
          <dl class="stats">
            <Stat label="Total" value={users.data ? u.length : '…'} />
            <Stat label="Admins" value={users.data ? u.filter((x) => x.is_admin).length : '…'} />
            <Stat label="Locked" value={users.data ? u.filter((x) => x.is_locked).length : '…'} tone="bad" />
            <Stat
              label="Disabled"
              value={users.data ? u.filter((x) => !x.is_active).length : '…'}
              tone="warn"
            />
          </dl>
        </section>
        <section class="card" aria-labelledby="dash-backends">
          <h2 id="dash-backends">
            <Link to="/backends">Backends</Link>
          </h2>
          {status.error && <Notice kind="error">{status.error}</Notice>}
          {status.data && b.length === 0 && <p class="empty">No backends configured.</p>}
          <ul class="plain-list health-list">
            {b.map((backend) => {
              const badge = stateBadge(backend.state);
              return (
                <li key={backend.name}>
                  <span>{backend.name}</span> <Badge tone={badge.tone}>{badge.label}</Badge>
                  {backend.toolCount !== null && <span class="sub">{backend.toolCount} tools</span>}
                </li>
              );
            })}
          </ul>
        </section>
        <section class="card" aria-labelledby="dash-events">
          <h2 id="dash-events">
            <Link to="/audit">Recent security events</Link>
          </h2>
          {events.error && <Notice kind="error">{events.error}</Notice>}
          {events.data && notable.length === 0 && (
            <p class="empty">No failures, lockouts or resets recently.</p>
          )}
          <ul class="plain-list event-list">
            {notable.map((event) => (
              <li key={event.id} class={`event-${eventKind(event)}`}>
                <span class="mono">{event.event_type}</span>
                <span class="sub">
                  {event.user_email ?? 'unknown user'} · <Time iso={event.ts} relative />
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Page>
  );
}
