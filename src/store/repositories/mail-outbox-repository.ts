import type { Kysely, Selectable } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database, MailOutboxTable } from '../schema.ts';

/** A message waiting in (or delivered from) the outbox. */
export interface OutboxMessage {
  id: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

/** A message to send; `to` must already be one validated address. */
export type NewOutboxMessage = Pick<OutboxMessage, 'id' | 'kind' | 'to' | 'subject' | 'text' | 'html'>;

/** Durable mail queue shared by every replica. */
export interface MailOutboxRepository {
  /** Stores a message, due at `now`. */
  enqueue(message: NewOutboxMessage, now: Date): Promise<void>;
  /**
   * Leases up to `limit` unsent messages that are due, for `leaseMs`: a message leased by one
   * worker (in this or another process) is not handed to another until the lease runs out.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** Marks a message delivered and blanks its bodies: a delivered reset link is not kept at rest. */
  markSent(id: string, now: Date): Promise<void>;
  /** Records a failed attempt and when to try again; releases the lease. */
  markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void>;
  /** Messages not yet delivered. */
  countUnsent(): Promise<number>;
  /** Every message, newest first (operators and tests). */
  list(limit: number): Promise<OutboxMessage[]>;
}

/** The outbox repository over a Kysely database. */
export function mailOutboxRepository(db: Kysely<Database>, caps: DialectCapabilities): MailOutboxRepository {
  const toMessage = (row: Selectable<MailOutboxTable>): OutboxMessage => ({
    id: row.id,
    kind: row.kind,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    attempts: Number(row.attempts),
    createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
    nextAttemptAt: caps.fromTimestamp(row.next_attempt_at) ?? new Date(0),
    sentAt: caps.fromTimestamp(row.sent_at),
    lastError: row.last_error,
  });
  return {
    async enqueue(message, now) {
      const at = caps.toTimestamp(now);
      await db
        .insertInto('mail_outbox')
        .values({
          id: message.id,
          kind: message.kind,
          to_address: message.to,
          subject: message.subject,
          text_body: message.text,
          html_body: message.html,
          created_at: at,
          next_attempt_at: at,
        })
        .execute();
    },
    async claimDue(now, limit, leaseMs) {
      const at = caps.toTimestamp(now);
      const candidates = await db
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      const claimed: OutboxMessage[] = [];
      for (const { id } of candidates) {
        // Conditional update: only one worker wins each message.
        const row = await db
          .updateTable('mail_outbox')
          .set({ claimed_until: caps.toTimestamp(new Date(now.getTime() + leaseMs)) })
          .where('id', '=', id)
          .where('sent_at', 'is', null)
          .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
          .returningAll()
          .executeTakeFirst();
        if (row) claimed.push(toMessage(row));
      }
      return claimed;
    },
    async markSent(id, now) {
      await db
        .updateTable('mail_outbox')
        .set({
          sent_at: caps.toTimestamp(now),
          claimed_until: null,
          last_error: null,
          text_body: '',
          html_body: '',
        })
        .where('id', '=', id)
        .execute();
    },
    async markFailed(id, error, nextAttemptAt) {
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: error.slice(0, 500),
          next_attempt_at: caps.toTimestamp(nextAttemptAt),
          claimed_until: null,
        }))
        .where('id', '=', id)
        .execute();
    },
    async countUnsent() {
      const row = await db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('sent_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async list(limit) {
      const rows = await db
        .selectFrom('mail_outbox')
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toMessage);
    },
  };
}
