import type { BackendConfig } from './backend-config.ts';
import type { ConnectionState } from './backend-connection.ts';
import type { ConnectionSupervisor } from './connection-supervisor.ts';

/** One backend's health, as the admin /status page shows it. Holds no secrets. */
export interface BackendStatus {
  name: string;
  transport: BackendConfig['transport'];
  isolation: BackendConfig['isolation'];
  /** For several connections (per-user, per-session) the best of them; `disabled` when switched off. */
  state: ConnectionState | 'disabled';
  lastError: string | null;
  /** Round trip of the last successful health ping. */
  latencyMs: number | null;
  toolCount: number | null;
  /** Live backend processes (stdio only). */
  processCount: number;
  /** Connections currently held (processes or remote sessions). */
  connectionCount: number;
  /** Restart attempts since the pool started, across all of the backend's connections. */
  restarts: number;
}

const RANK: Record<ConnectionState, number> = { ready: 4, connecting: 3, failed: 2, idle: 1, closed: 0 };

/** Of two connection states, the one a backend with both shows (the better). */
export function bestState(a: ConnectionState, b: ConnectionState): ConnectionState {
  return RANK[b] > RANK[a] ? b : a;
}

/** Summarizes the supervisors of one backend. */
export function backendStatus(
  config: BackendConfig,
  supervisors: readonly ConnectionSupervisor[],
  restarts: number,
): BackendStatus {
  const state = supervisors.reduce<ConnectionState>((best, s) => bestState(best, s.connection.state), 'idle');
  const first = <T>(pick: (supervisor: ConnectionSupervisor) => T | null): T | null => {
    for (const supervisor of supervisors) {
      const value = pick(supervisor);
      if (value !== null) return value;
    }
    return null;
  };
  return {
    name: config.name,
    transport: config.transport,
    isolation: config.isolation,
    state: config.enabled ? state : 'disabled',
    lastError: first((s) => s.connection.lastError ?? s.healthError),
    latencyMs: first((s) => s.latencyMs),
    toolCount: first((s) => s.connection.toolCount),
    processCount: supervisors.filter((s) => s.connection.pid !== null).length,
    connectionCount: supervisors.length,
    restarts,
  };
}
