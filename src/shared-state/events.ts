/** A change one replica made that every other replica must apply to its own caches. */
export type SharedEvent =
  /** An API key was revoked or removed: drop it from key caches. */
  | { type: 'evict-key'; keyId: string }
  /** A user changed (disabled, deleted, password, access): drop every cached key of theirs. */
  | { type: 'evict-user'; userId: string }
  /** Drop every cached key. */
  | { type: 'clear-keys' }
  /** Backends were added, changed or removed in the database: re-read them. */
  | { type: 'backends-changed' }
  /** A replica was cut off from Redis and may have missed or failed to send events: drop and re-read everything. */
  | { type: 'resync' };

/** The name of a shared event. */
export type SharedEventType = SharedEvent['type'];

/** An event as sent on the channel: from which replica, in format version 1. */
interface Envelope {
  v: 1;
  from: string;
  event: SharedEvent;
}

const MAX_ID_LENGTH = 200;

const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;

function parseEvent(value: unknown): SharedEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const event = value as Record<string, unknown>;
  switch (event.type) {
    case 'evict-key':
      return isId(event.keyId) ? { type: 'evict-key', keyId: event.keyId } : null;
    case 'evict-user':
      return isId(event.userId) ? { type: 'evict-user', userId: event.userId } : null;
    case 'clear-keys':
    case 'backends-changed':
    case 'resync':
      return { type: event.type };
    default:
      return null;
  }
}

/** The channel message carrying `event` from replica `from`. */
export function encodeEvent(from: string, event: SharedEvent): string {
  const envelope: Envelope = { v: 1, from, event };
  return JSON.stringify(envelope);
}

/** The sender and event of a channel message; null for anything that is not a well-formed version-1 event. */
export function decodeEvent(message: string): { from: string; event: SharedEvent } | null {
  let envelope: unknown;
  try {
    envelope = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof envelope !== 'object' || envelope === null) return null;
  const { v, from, event } = envelope as Record<string, unknown>;
  if (v !== 1 || !isId(from)) return null;
  const parsed = parseEvent(event);
  return parsed === null ? null : { from, event: parsed };
}
