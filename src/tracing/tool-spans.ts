// Loaded only when tracing is on (see start.ts).
import {
  type Context,
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { StartToolCallSpan } from './tool-call-tracing.ts';

const TOOL_CALL = createContextKey('gatehouse tool call');

/** True inside a tool call's `run`, while its span is open: requests made there go to its backend. */
export function inToolCall(active: Context): boolean {
  return active.getValue(TOOL_CALL) === true && trace.getSpan(active)?.isRecording() === true;
}

/**
 * Tool-call spans: `tools/call TOOL`, of kind client, children of the current span (the request
 * that carried the call), with the backend, the tool, the outcome and the duration as the audit
 * trail records them. Never the arguments, the result or the caller.
 */
export function toolCallSpans(tracer: Tracer): StartToolCallSpan {
  return (backend, tool) => {
    const span = tracer.startSpan(`tools/call ${tool}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'mcp.method.name': 'tools/call', 'gatehouse.backend': backend, 'gatehouse.tool': tool },
    });
    const active = trace.setSpan(context.active(), span).setValue(TOOL_CALL, true);
    return {
      run: (forward) => context.with(active, forward),
      end(outcome, durationMs) {
        span.setAttribute('gatehouse.outcome', outcome);
        span.setAttribute('gatehouse.duration_ms', Math.round(durationMs * 10) / 10);
        if (outcome !== 'ok') {
          span.setAttribute(ATTR_ERROR_TYPE, outcome);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  };
}
