import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api/client.ts';
import type { AuditEvent } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { Checkbox } from '../components/Field.tsx';
import { Notice } from '../components/Notice.tsx';
import { Page } from '../components/Page.tsx';
import { describeDetails, EVENT_TYPES, eventKind, localToIso } from '../lib/audit.ts';
import { formatDate } from '../lib/format.tsx';
import { useResource } from '../lib/use-resource.ts';

interface Filters {
  user: string;
  type: string;
  since: string;
  until: string;
}

interface EventPage {
  events: AuditEvent[];
  next_cursor: number | string | null;
}

const EMPTY: Filters = { user: '', type: '', since: '', until: '' };

async function fetchEvents(filters: Filters, cursor?: number | string): Promise<EventPage> {
  const query = new URLSearchParams({ limit: '100' });
  if (filters.user.trim()) query.set('user', filters.user.trim());
  if (filters.type.trim()) query.set('type', filters.type.trim());
  const since = localToIso(filters.since);
  const until = localToIso(filters.until);
  if (since) query.set('since', since);
  if (until) query.set('until', until);
  if (cursor !== undefined) query.set('cursor', String(cursor));
  const page = await api<EventPage>('GET', `/auth/email/admin/events?${query}`);
  // The range is also applied here, so it holds even where the server does not filter by time.
  const from = since ? Date.parse(since) : -Infinity;
  const to = until ? Date.parse(until) : Infinity;
  return { ...page, events: page.events.filter((e) => Date.parse(e.ts) >= from && Date.parse(e.ts) <= to) };
}

const KIND_BADGE = {
  lockout: <Badge tone="bad">Lockout</Badge>,
  reset: <Badge tone="info">Reset</Badge>,
  failure: <Badge tone="warn">Failure</Badge>,
  normal: null,
};

/** /admin/audit: the audit trail, filtered by user, event type and time; lockouts and resets stand out. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [onlyProblems, setOnlyProblems] = useState(false);
  const [more, setMore] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<number | string | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const first = useResource(async () => {
    const page = await fetchEvents(filters);
    setMore([]);
    setCursor(page.next_cursor);
    return page.events;
  }, [filters]);

  const loadMore = async () => {
    if (cursor === null) return;
    try {
      const page = await fetchEvents(filters, cursor);
      setMore((previous) => [...previous, ...page.events]);
      setCursor(page.next_cursor);
    } catch (error) {
      setMoreError(errorMessage(error));
    }
  };

  const events = [...(first.data ?? []), ...more].filter((e) => !onlyProblems || eventKind(e) !== 'normal');
  const set = (key: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [key]: (event.currentTarget as HTMLInputElement).value });

  return (
    <Page title="Audit log">
      <form
        class="toolbar filters"
        aria-label="Filter events"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...draft });
        }}
      >
        <div class="field">
          <label for="audit-user">User email</label>
          <input id="audit-user" type="search" value={draft.user} onInput={set('user')} />
        </div>
        <div class="field">
          <label for="audit-type">Event type</label>
          <input id="audit-type" list="audit-types" value={draft.type} onInput={set('type')} />
          <datalist id="audit-types">
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="audit-since">From</label>
          <input id="audit-since" type="datetime-local" value={draft.since} onInput={set('since')} />
        </div>
        <div class="field">
          <label for="audit-until">Until</label>
          <input id="audit-until" type="datetime-local" value={draft.until} onInput={set('until')} />
        </div>
        <div class="field field-button">
          <button type="submit" class="button button-primary">
            Apply
          </button>
        </div>
        <div class="field field-button">
          <button
            type="button"
            class="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilters({ ...EMPTY });
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <Checkbox
        id="audit-problems"
        label="Only failures, lockouts and resets"
        checked={onlyProblems}
        onChange={setOnlyProblems}
      />
      {first.error && <Notice kind="error">{first.error}</Notice>}
      {first.data && events.length === 0 && <p class="empty">No events match.</p>}
      {events.length > 0 && (
        <div class="table-wrap">
          <table class="table table-stack audit" aria-label="Audit events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">User</th>
                <th scope="col">Outcome</th>
                <th scope="col">IP</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => {
                const kind = eventKind(event);
                return (
                  <tr key={event.id} class={`event-${kind}`} data-event-type={event.event_type}>
                    <td data-label="Time">
                      <time dateTime={event.ts}>{formatDate(event.ts)}</time>
                    </td>
                    <th scope="row">
                      <span class="mono">{event.event_type}</span> {KIND_BADGE[kind]}
                    </th>
                    <td data-label="User">{event.user_email ?? '—'}</td>
                    <td data-label="Outcome">
                      {event.success ? <Badge tone="good">Success</Badge> : <Badge tone="bad">Failed</Badge>}
                    </td>
                    <td data-label="IP" class="mono">
                      {event.ip ?? '—'}
                    </td>
                    <td class="details" title={event.user_agent ?? undefined}>
                      {describeDetails(event.details)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {moreError && <Notice kind="error">{moreError}</Notice>}
      {cursor !== null && (
        <p>
          <button type="button" class="button" onClick={() => void loadMore()}>
            Load older events
          </button>
        </p>
      )}
    </Page>
  );
}
