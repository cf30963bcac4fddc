import type { BackendStatus } from '../api/types.ts';

/** A /status entry's fields whichever case the server writes them in. */
export function statusFields(status: BackendStatus | undefined) {
  return {
    state: status?.state ?? 'unknown',
    lastError: status?.lastError ?? status?.last_error ?? null,
    latencyMs: status?.latencyMs ?? status?.latency_ms ?? null,
    toolCount: status?.toolCount ?? status?.tool_count ?? null,
    processCount: status?.processCount ?? status?.process_count ?? null,
    restarts: status?.restarts ?? null,
  };
}

/** The badge tone and label of a connection state. */
export function stateBadge(state: string): {
  tone: 'good' | 'bad' | 'warn' | 'neutral' | 'info';
  label: string;
} {
  switch (state) {
    case 'ready':
      return { tone: 'good', label: 'Ready' };
    case 'connecting':
      return { tone: 'info', label: 'Connecting' };
    case 'failed':
      return { tone: 'bad', label: 'Failed' };
    case 'idle':
      return { tone: 'neutral', label: 'Idle' };
    case 'closed':
      return { tone: 'neutral', label: 'Closed' };
    case 'disabled':
      return { tone: 'warn', label: 'Disabled' };
    default:
      return { tone: 'neutral', label: state };
  }
}

/** `KEY=value` lines (or `Name: value` with `separator` ':') as an object; null names the bad line. */
export function parsePairs(text: string, separator: '=' | ':'): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf(separator);
    if (at <= 0) return { error: `Line ${index + 1} is not “name${separator === '=' ? '=' : ': '}value”` };
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}
