import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { redactUrlPassword, type Settings } from '../config/index.ts';
import { tracingPlan } from './plan.ts';

/** Tracing as started in this process. */
export interface Tracing {
  /** Gives each request `app` serves a server span; call before its other hooks and routes. */
  traceRequests(app: FastifyInstance): void;
  /** Stops tracing tool calls, exports the spans still pending and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing when the OTEL_* settings ask for it (see tracingPlan); resolves to
 * null, having loaded nothing, when they do not. Logs where spans go (without a URL password or
 * the export headers).
 */
export async function startTracing(settings: Settings, logger: FastifyBaseLogger): Promise<Tracing | null> {
  const plan = tracingPlan(settings);
  if (plan === null) return null;
  const { startSdk } = await import('./sdk.ts');
  const tracing = await startSdk(plan, logger);
  logger.info(
    { tracing_url: redactUrlPassword(plan.url), tracing_protocol: plan.protocol },
    'tracing: exporting spans over OTLP/HTTP',
  );
  return tracing;
}
