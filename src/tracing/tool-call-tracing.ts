/** The span of one tool call forwarded to a backend. */
export interface ToolCallSpan {
  /**
   * Runs `forward` (the call to the backend) with this span as the current one, so requests to
   * an HTTP backend carry its `traceparent`; returns what `forward` returns.
   */
  run<T>(forward: () => Promise<T>): Promise<T>;
  /** Ends the span with the call's outcome (`ok`, `tool_error`, `timeout`, …) and duration. */
  end(outcome: string, durationMs: number): void;
}

/** Starts the span of a call to `tool` (the backend's own name) on `backend`. */
export type StartToolCallSpan = (backend: string, tool: string) => ToolCallSpan;

interface ToolCallTracing {
  /** Whether tool calls are traced: the one check a call makes when tracing is off. */
  readonly on: boolean;
  /** Starts a call's span; only while `on`. */
  readonly start: StartToolCallSpan;
}

function notTracing(): never {
  throw new TypeError('tool calls are not traced: check toolCallTracing.on first');
}

const state: { on: boolean; start: StartToolCallSpan } = { on: false, start: notTracing };

/**
 * The tool-call spans of this process. The call path reads `on` and starts a span only when it
 * is true, so a process without tracing pays one property read per call.
 */
export const toolCallTracing: ToolCallTracing = state;

/** Makes tool calls start spans with `start` (tracing started); null turns that off again. */
export function traceToolCalls(start: StartToolCallSpan | null): void {
  state.start = start ?? notTracing;
  state.on = start !== null;
}
