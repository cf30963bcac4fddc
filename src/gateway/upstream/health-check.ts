import type { ConnectionSupervisor } from './connection-supervisor.ts';

/** Upper bound on one health ping, whatever the backend's call timeout. */
export const HEALTH_PING_TIMEOUT_MS = 10_000;

/**
 * Pings every ready connection once and records the round trip (or the failure) on its supervisor.
 * Shared connections also get their tool list loaded, so the status page can count tools; per-user
 * and per-session ones are left alone so that the check does not keep them from going idle.
 */
export async function checkHealth(supervisors: Iterable<ConnectionSupervisor>): Promise<void> {
  const checks = [...supervisors]
    .filter((supervisor) => supervisor.connection.state === 'ready')
    .map(async (supervisor) => {
      const { connection } = supervisor;
      const timeoutMs = Math.min(connection.config.timeoutMs, HEALTH_PING_TIMEOUT_MS);
      try {
        supervisor.latencyMs = await connection.ping({ timeoutMs });
        supervisor.healthError = null;
      } catch (error) {
        supervisor.healthError = error instanceof Error ? error.message : String(error);
        return;
      }
      if (supervisor.slot.isolation === 'shared' && connection.capabilities?.tools) {
        await connection.listTools().catch(() => {});
      }
    });
  await Promise.all(checks);
}
