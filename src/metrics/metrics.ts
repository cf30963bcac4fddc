import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { type Gateway, observeToolCalls } from '../gateway/index.ts';
import type { IdentityContext } from '../identity/index.ts';
import { eventFamilies } from './families.ts';
import { registerGatewayGauges } from './gateway-gauges.ts';
import { observeHttp } from './http-observer.ts';
import { securityEventObserver } from './security-events.ts';
import { toolCallObserver } from './tool-calls.ts';

/** The Prometheus metrics of one Gatehouse process, on a registry of its own. */
export interface Metrics {
  /** Counts bearer authentications as `app` answers; call before its routes register. */
  observeHttp(app: FastifyInstance): void;
  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
  /** Stops observing the audit trail and tool calls. */
  close(): void;
}

/**
 * Builds the metrics of a process: Node's default process metrics, plus Gatehouse's, observed
 * from the audit trail, the tool-call audit, the gateway's backend status and the HTTP exchanges.
 * No label carries a user, e-mail, key, IP or credential.
 */
export function createMetrics(identity: IdentityContext, gateway: Gateway): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const families = eventFamilies(registry);
  registerGatewayGauges(registry, gateway);
  const stops = [
    identity.audit.observe(securityEventObserver(families)),
    observeToolCalls(identity.store, toolCallObserver(families)),
  ];
  return {
    observeHttp(app) {
      observeHttp(app, { families, authDisabled: identity.authDisabled });
    },
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
    close() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
