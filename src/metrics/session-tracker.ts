/**
 * The downstream MCP sessions of this process, as seen from their HTTP exchanges: a 2025-11-25
 * session from the response that gave its `Mcp-Session-Id` until a DELETE ends it, a request for
 * it answers 404, or it is idle as long as the gateway's own limit (MCP_SESSION_IDLE_MINUTES); a
 * legacy SSE session while its stream is open. Holds session ids only, in memory.
 */
export class SessionTracker {
  #lastSeen = new Map<string, number>();
  #sse = 0;
  #idleMs: number;
  #now: () => number;

  constructor(options: { idleMs: number; now?: () => number }) {
    if (!(options.idleMs > 0)) throw new TypeError('idleMs must be a positive number');
    this.#idleMs = options.idleMs;
    this.#now = options.now ?? Date.now;
  }

  /** A request on session `id` was answered (not with 404): it is open, used now. */
  seen(id: string): void {
    // Re-inserted, so the map stays in order of last use and pruning stops at the first fresh one.
    this.#lastSeen.delete(id);
    this.#lastSeen.set(id, this.#now());
  }

  /** Session `id` ended (DELETE) or is unknown to the gateway (404). */
  ended(id: string): void {
    this.#lastSeen.delete(id);
  }

  /** A legacy SSE stream opened; returns the function to call once when it closes. */
  sseOpened(): () => void {
    this.#sse += 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.#sse -= 1;
    };
  }

  /** Open sessions now, by transport. */
  open(): { streamableHttp: number; sse: number } {
    const cutoff = this.#now() - this.#idleMs;
    for (const [id, at] of this.#lastSeen) {
      if (at >= cutoff) break;
      this.#lastSeen.delete(id);
    }
    return { streamableHttp: this.#lastSeen.size, sse: this.#sse };
  }
}
