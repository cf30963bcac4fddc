import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database } from '../schema.ts';

/** An audit event as written. */
export interface NewAuthEvent {
  eventType: string;
  success: boolean;
  userId?: string | null;
  userEmail?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown> | null;
  /** Defaults to now. */
  ts?: Date;
}

/** An audit event as stored. */
export interface AuthEvent {
  id: number;
  ts: Date;
  eventType: string;
  success: boolean;
  userId: string | null;
  userEmail: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
}

/** Filters and keyset cursor for listing events, newest first. */
export interface AuthEventQuery {
  limit: number;
  /** Only events with an id below this (the last id of the previous page). */
  beforeId?: number;
  userEmail?: string;
  eventType?: string;
  /** Only events at or after this time. */
  since?: Date;
  /** Only events before this time. */
  until?: Date;
}

/** The append-only audit trail. */
export interface AuthEventsRepository {
  /** Appends one event; returns its id. */
  append(event: NewAuthEvent): Promise<number>;
  /** Appends many events in one statement (batched audit such as tool calls). */
  appendMany(events: readonly NewAuthEvent[]): Promise<void>;
  /** Events matching `query`, newest first. */
  list(query: AuthEventQuery): Promise<AuthEvent[]>;
}

const MAX_USER_AGENT = 512;

/** The audit repository over a Kysely database. */
export function authEventsRepository(db: Kysely<Database>, caps: DialectCapabilities): AuthEventsRepository {
  const row = (event: NewAuthEvent) => ({
    ts: caps.toTimestamp(event.ts ?? new Date()),
    event_type: event.eventType,
    success: caps.toBoolean(event.success),
    user_id: event.userId ?? null,
    user_email: event.userEmail ?? null,
    ip: event.ip ?? null,
    user_agent: event.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
    details: event.details ? caps.toJson(event.details) : null,
  });
  return {
    async append(event) {
      const inserted = await db
        .insertInto('auth_events')
        .values(row(event))
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(inserted.id);
    },
    async appendMany(events) {
      if (events.length === 0) return;
      await db.insertInto('auth_events').values(events.map(row)).execute();
    },
    async list(query) {
      let select = db.selectFrom('auth_events').selectAll().orderBy('id', 'desc').limit(query.limit);
      if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
      if (query.userEmail !== undefined) select = select.where('user_email', '=', query.userEmail);
      if (query.eventType !== undefined) select = select.where('event_type', '=', query.eventType);
      if (query.since !== undefined) select = select.where('ts', '>=', caps.toTimestamp(query.since));
      if (query.until !== undefined) select = select.where('ts', '<', caps.toTimestamp(query.until));
      const rows = await select.execute();
      return rows.map((row) => ({
        id: Number(row.id),
        ts: caps.fromTimestamp(row.ts) ?? new Date(0),
        eventType: row.event_type,
        success: caps.fromBoolean(row.success),
        userId: row.user_id,
        userEmail: row.user_email,
        ip: row.ip,
        userAgent: row.user_agent,
        details: row.details === null ? null : (caps.fromJson(row.details) as Record<string, unknown>),
      }));
    },
  };
}
