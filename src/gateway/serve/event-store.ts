import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

/**
 * The events of one downstream session, so a client that lost its SSE stream can resume with
 * `Last-Event-ID` (2025-11-25 resumability). Bounded: only the newest `limit` events are kept, so a
 * session that never reconnects cannot grow without end. Event ids are `<stream>_<n>`.
 */
export function boundedEventStore(limit = 1000): EventStore {
  const events = new Map<EventId, { streamId: StreamId; message: JSONRPCMessage }>();
  let counter = 0;
  return {
    async storeEvent(streamId, message) {
      counter += 1;
      const id = `${streamId}_${counter}`;
      events.set(id, { streamId, message });
      if (events.size > limit) events.delete(events.keys().next().value as EventId);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.get(lastEventId);
      if (!last) return '';
      let after = false;
      for (const [id, event] of events) {
        if (id === lastEventId) after = true;
        else if (after && event.streamId === last.streamId) await send(id, event.message);
      }
      return last.streamId;
    },
  };
}
