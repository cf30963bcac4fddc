// The OpenTelemetry SDK, imported by start.ts only when tracing is on: a process without tracing
// never loads this module nor any OpenTelemetry SDK package (prom-client loads only the API).
import { context, diag, type DiagLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyBaseLogger } from 'fastify';
import { REDACTED } from '../config/index.ts';
import { propagateToBackends } from './backend-propagation.ts';
import type { TracingPlan } from './plan.ts';
import { traceRequests } from './request-spans.ts';
import type { Tracing } from './start.ts';
import { traceToolCalls } from './tool-call-tracing.ts';
import { toolCallSpans } from './tool-spans.ts';

async function exporterFor(plan: TracingPlan): Promise<SpanExporter> {
  const config = { url: plan.url, headers: plan.headers };
  if (plan.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(config);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(config);
}

/**
 * The SDK's own complaints (a failed export, say) as warnings in our log: its words and error
 * messages, never the objects it passes along, and never an export header's value.
 */
function diagLogger(logger: FastifyBaseLogger, plan: TracingPlan): DiagLogger {
  const secrets = Object.values(plan.headers).filter((value) => value.length > 0);
  const warn = (...parts: unknown[]) => {
    let text = parts
      .map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : ''))
      .filter(Boolean)
      .join(' ');
    for (const secret of secrets) text = text.replaceAll(secret, REDACTED);
    logger.warn({ tracing: true }, `tracing: ${text}`);
  };
  const ignore = () => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Starts the SDK as `plan` says: a tracer provider with a batching OTLP/HTTP exporter, W3C trace
 * context (and no baggage) as the propagator, server spans for requests, client spans for tool
 * calls and `traceparent` on their requests to HTTP backends. The SDK's own variables
 * (OTEL_BSP_*, OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_TIMEOUT, …) apply as it defines them.
 */
export async function startSdk(plan: TracingPlan, logger: FastifyBaseLogger): Promise<Tracing> {
  diag.setLogger(diagLogger(logger, plan), DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(plan.resource)),
    spanProcessors: [new BatchSpanProcessor(await exporterFor(plan))],
  });
  const propagator = new W3CTraceContextPropagator();
  provider.register({ propagator });
  const tracer = provider.getTracer('gatehouse');
  const stopPropagation = propagateToBackends(propagator);
  traceToolCalls(toolCallSpans(tracer));
  return {
    traceRequests: (app) => traceRequests(app, tracer, propagator),
    async shutdown() {
      traceToolCalls(null);
      stopPropagation();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}
