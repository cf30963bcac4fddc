import type { BackendConnection } from '../upstream/index.ts';

/**
 * The downstream sessions' resource subscriptions (resources/subscribe of the 2025 protocol). Each
 * subscription holds one counted upstream subscription on the backend connection that serves the
 * session, and forwards that connection's notifications/resources/updated for the URI back as the
 * URI the session subscribed to. A session's subscriptions end with it (see release).
 */
export class ResourceSubscriptions {
  #sessions = new Map<string, Map<string, () => Promise<void>>>();

  /**
   * Subscribes session `sessionId` to `exposedUri`, which is `upstreamUri` on `connection`;
   * `deliver(exposedUri)` runs on every update. A repeated subscription is a no-op. Rejects as the
   * backend does, and then holds nothing.
   */
  async subscribe(
    sessionId: string,
    exposedUri: string,
    target: { connection: BackendConnection; uri: string },
    deliver: (uri: string) => void,
  ): Promise<void> {
    const held = this.#sessions.get(sessionId) ?? new Map<string, () => Promise<void>>();
    if (held.has(exposedUri)) return;
    const { connection, uri } = target;
    const stop = connection.onResourceUpdated((updated) => {
      if (updated === uri) deliver(exposedUri);
    });
    const release = async () => {
      stop();
      await connection.unsubscribeResource(uri);
    };
    held.set(exposedUri, release);
    this.#sessions.set(sessionId, held);
    try {
      await connection.subscribeResource(uri);
    } catch (error) {
      stop();
      if (held.get(exposedUri) === release) held.delete(exposedUri);
      if (held.size === 0 && this.#sessions.get(sessionId) === held) this.#sessions.delete(sessionId);
      throw error;
    }
  }

  /** Ends the session's subscription to `exposedUri`, if it has one. */
  async unsubscribe(sessionId: string, exposedUri: string): Promise<void> {
    const held = this.#sessions.get(sessionId);
    const release = held?.get(exposedUri);
    if (!held || !release) return;
    held.delete(exposedUri);
    if (held.size === 0) this.#sessions.delete(sessionId);
    await release();
  }

  /** Ends every subscription of a session that closed. */
  async release(sessionId: string): Promise<void> {
    const held = this.#sessions.get(sessionId);
    if (!held) return;
    this.#sessions.delete(sessionId);
    await Promise.all([...held.values()].map((release) => release()));
  }
}
