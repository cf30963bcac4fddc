// The tracing domain's public API: optional OpenTelemetry spans (docs/metrics.md#tracing).
export { type TracingPlan, tracingPlan } from './plan.ts';
export { startTracing, type Tracing } from './start.ts';
export { type ToolCallSpan, toolCallTracing } from './tool-call-tracing.ts';
