import type { Gateway } from '../gateway.ts';

/** The downstream transports whose clients hold sessions. */
export type SessionTransport = 'streamable_http' | 'sse';

/** What holds sessions: its `size` is how many are open now. */
interface SessionHolder {
  readonly size: number;
}

// By gateway, as the tool-call audit is by store: one process may run several. Held weakly, so
// counting never keeps a closed endpoint's sessions alive.
const holders = new WeakMap<Gateway, Set<{ transport: SessionTransport; holder: WeakRef<SessionHolder> }>>();

/** Counts the sessions `holder` keeps open (its live `size`) among `gateway`'s `transport` sessions. */
export function countSessions(gateway: Gateway, transport: SessionTransport, holder: SessionHolder): void {
  const set = holders.get(gateway) ?? new Set();
  holders.set(gateway, set);
  set.add({ transport, holder: new WeakRef(holder) });
}

/**
 * The downstream MCP sessions open on `gateway` in this process now, by transport: exactly those
 * its endpoints hold (not those of other replicas, whose requests may pass through here).
 */
export function openSessions(gateway: Gateway): Record<SessionTransport, number> {
  const open: Record<SessionTransport, number> = { streamable_http: 0, sse: 0 };
  const set = holders.get(gateway);
  if (set === undefined) return open;
  for (const entry of set) {
    const holder = entry.holder.deref();
    if (holder === undefined) set.delete(entry);
    else open[entry.transport] += holder.size;
  }
  return open;
}
