import type { ToolCallRecord } from '../gateway/index.ts';
import { boundedLabel, OTHER_LABEL } from './bounded-label.ts';
import type { EventFamilies } from './families.ts';

/** Most distinct backend names, tool names (per process) and outcomes kept as label values. */
const MAX_BACKENDS = 500;
const MAX_TOOLS = 2000;
const MAX_OUTCOMES = 50;

/**
 * A tool-call observer that counts each call by backend, tool and outcome and records its duration.
 * Reads only those fields: never the caller, the key or the arguments.
 */
export function toolCallObserver(families: EventFamilies): (call: ToolCallRecord) => void {
  const backendLabel = boundedLabel(MAX_BACKENDS);
  const toolLabel = boundedLabel(MAX_TOOLS);
  const outcomeLabel = boundedLabel(MAX_OUTCOMES);
  return (call) => {
    const backend = backendLabel(call.backend);
    // Bounded over (backend, tool) pairs: past the limit, new tools of any backend show as `_other`.
    const pair = `${backend}\0${call.tool}`;
    const tool = toolLabel(pair) === pair ? call.tool : OTHER_LABEL;
    families.toolCalls.inc({ backend, tool, outcome: outcomeLabel(call.outcome) });
    families.toolCallDuration.observe({ backend, tool }, call.durationMs / 1000);
  };
}
