/** Sends resources/subscribe or resources/unsubscribe for one URI upstream. */
type Send = (method: 'resources/subscribe' | 'resources/unsubscribe', uri: string) => Promise<void>;

/**
 * One connection's upstream resource subscriptions, counted: several downstream sessions may hold
 * the same URI, and only the first subscription and the last release go upstream.
 */
export class SubscriptionCounts {
  #send: Send;
  #entries = new Map<string, { count: number; ready: Promise<void> }>();

  constructor(send: Send) {
    this.#send = send;
  }

  /** Holds one more subscription to `uri`; rejects as the backend does, and then holds nothing. */
  async add(uri: string): Promise<void> {
    let entry = this.#entries.get(uri);
    if (!entry) {
      const created = { count: 0, ready: this.#send('resources/subscribe', uri) };
      created.ready.catch(() => {
        if (this.#entries.get(uri) === created) this.#entries.delete(uri);
      });
      this.#entries.set(uri, created);
      entry = created;
    }
    entry.count += 1;
    try {
      await entry.ready;
    } catch (error) {
      entry.count -= 1;
      throw error;
    }
  }

  /** Releases one subscription to `uri`; the last one unsubscribes upstream (a failure is ignored). */
  async remove(uri: string): Promise<void> {
    const entry = this.#entries.get(uri);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    this.#entries.delete(uri);
    await entry.ready.catch(() => undefined);
    await this.#send('resources/unsubscribe', uri).catch(() => undefined);
  }

  /** Subscribes every held URI again, on a new upstream session that knows none of them. */
  renew(): void {
    for (const uri of this.#entries.keys())
      void this.#send('resources/subscribe', uri).catch(() => undefined);
  }
}
