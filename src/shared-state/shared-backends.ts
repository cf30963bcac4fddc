import type { BroadcastBus } from './broadcast-bus.ts';

/** What sharing needs from the gateway: its reload of the backends from the database. */
export interface ReloadsBackends {
  reloadBackends(): void;
}

/**
 * Makes backend changes reach every replica: each reload this replica makes (after a change through
 * its API) is published, and each change published by another replica (or a resync) reloads here.
 * The gateway's `reloadBackends` is replaced on this one instance, so the routes that call it stay
 * unchanged; a reload started by an event is not published again.
 */
export function shareBackendReloads(gateway: ReloadsBackends, bus: BroadcastBus): void {
  const reloadHere = gateway.reloadBackends.bind(gateway);
  gateway.reloadBackends = () => {
    reloadHere();
    bus.publish({ type: 'backends-changed' });
  };
  bus.subscribe((event) => {
    if (event.type === 'backends-changed' || event.type === 'resync') reloadHere();
  });
}
