import { Gauge, type Registry } from 'prom-client';
import { type BackendStatus, type Gateway, openSessions } from '../gateway/index.ts';

const STATES: readonly BackendStatus['state'][] = [
  'ready',
  'connecting',
  'idle',
  'failed',
  'closed',
  'disabled',
];

// Idle: nothing connected yet (on demand, or no user of a per-user backend), and nothing failed.
const UP_STATES = new Set<BackendStatus['state']>(['ready', 'idle']);

type BackendGauge = Gauge<'backend'>;

/** A per-backend gauge whose value is read from the gateway at each scrape; `null` leaves a backend out. */
function perBackend(
  registry: Registry,
  gateway: Gateway,
  spec: { name: string; help: string; value: (status: BackendStatus) => number | null },
): BackendGauge {
  return new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: ['backend'],
    registers: [registry],
    collect(this: BackendGauge) {
      // Reset first, so a removed backend's series goes away with it.
      this.reset();
      for (const status of gateway.status()) {
        const value = spec.value(status);
        if (value !== null) this.set({ backend: status.name }, value);
      }
    },
  });
}

/**
 * Registers the gauges read from the gateway when scraped: each backend's health, latency,
 * processes, connections and restarts, the stdio process total, and the MCP sessions open here
 * (counted by the endpoints that hold them, so exact).
 */
export function registerGatewayGauges(registry: Registry, gateway: Gateway): void {
  perBackend(registry, gateway, {
    name: 'gatehouse_backend_up',
    help: '1 when the backend is ready or idle (on demand, not connected yet), 0 when failed, connecting, closed or disabled.',
    value: (status) => (UP_STATES.has(status.state) ? 1 : 0),
  });
  new Gauge({
    name: 'gatehouse_backend_state',
    help: 'The state of each backend: 1 for the current one of ready, connecting, idle, failed, closed, disabled.',
    labelNames: ['backend', 'state'],
    registers: [registry],
    collect(this: Gauge<'backend' | 'state'>) {
      this.reset();
      for (const status of gateway.status())
        for (const state of STATES) this.set({ backend: status.name, state }, status.state === state ? 1 : 0);
    },
  });
  perBackend(registry, gateway, {
    name: 'gatehouse_backend_latency_seconds',
    help: 'Round trip of the last successful health ping of the backend (absent before the first).',
    value: (status) => (status.latencyMs === null ? null : status.latencyMs / 1000),
  });
  perBackend(registry, gateway, {
    name: 'gatehouse_backend_processes',
    help: 'Live stdio processes of the backend.',
    value: (status) => status.processCount,
  });
  perBackend(registry, gateway, {
    name: 'gatehouse_backend_connections',
    help: 'Connections held to the backend (processes or remote sessions).',
    value: (status) => status.connectionCount,
  });
  perBackend(registry, gateway, {
    name: 'gatehouse_backend_restarts',
    help: 'Restart attempts of the backend since this process started.',
    value: (status) => status.restarts,
  });
  new Gauge({
    name: 'gatehouse_stdio_processes',
    help: 'Stdio backend processes alive or starting, across all backends (at most GATEWAY_MAX_PROCESSES).',
    registers: [registry],
    collect(this: Gauge) {
      this.set(gateway.pool.processCount);
    },
  });
  new Gauge({
    name: 'gatehouse_mcp_sessions',
    help: 'Open downstream MCP sessions on this process by transport (streamable_http: 2025-11-25 sessions; sse: legacy HTTP+SSE streams).',
    labelNames: ['transport'],
    registers: [registry],
    collect(this: Gauge<'transport'>) {
      for (const [transport, open] of Object.entries(openSessions(gateway))) this.set({ transport }, open);
    },
  });
}
