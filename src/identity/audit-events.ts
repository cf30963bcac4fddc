import type { AuthEvent } from '../store/index.ts';
import { canonicalEmail } from './canonical.ts';
import type { IdentityContext } from './context.ts';

/**
 * A page of the audit trail, newest first, filtered by user e-mail (any spelling) and event type,
 * with the cursor of the next page (null at the end).
 */
export async function listAuthEvents(
  ctx: IdentityContext,
  query: {
    limit: number;
    cursor?: number;
    userEmail?: string;
    eventType?: string;
    since?: Date;
    until?: Date;
  },
): Promise<{ events: AuthEvent[]; nextCursor: number | null }> {
  const userEmail =
    query.userEmail === undefined ? undefined : (canonicalEmail(query.userEmail) ?? query.userEmail);
  const events = await ctx.store.authEvents.list({
    limit: query.limit + 1,
    beforeId: query.cursor,
    userEmail,
    eventType: query.eventType,
    since: query.since,
    until: query.until,
  });
  const page = events.slice(0, query.limit);
  return { events: page, nextCursor: events.length > query.limit ? (page.at(-1)?.id ?? null) : null };
}
