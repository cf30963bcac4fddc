import type { LoggingLevel, LoggingMessageNotificationParams } from '@modelcontextprotocol/server';
import type { GatewayCaller } from '../caller.ts';
import type { ServerRequestMethod } from '../upstream/index.ts';

/** Asks a downstream client a backend's question (sampling, elicitation, roots) and resolves with its answer. */
export type AskClient = (
  method: ServerRequestMethod,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal,
) => Promise<Record<string, unknown>>;

/** How a {@link DownstreamCall} reaches its client. */
export interface DownstreamCallOptions {
  caller: GatewayCaller;
  /** On the aggregate endpoint a log message's `logger` is prefixed with its backend. */
  aggregate: boolean;
  /**
   * The least severe level the client wants, read when a message arrives: undefined for every level
   * (a 2025 session that sent no logging/setLevel), null for none (a 2026-07-28 request whose `_meta`
   * names no level: that revision forbids log messages it did not ask for).
   */
  logLevel: () => LoggingLevel | null | undefined;
  /** Sends a notification related to this call (on its own response stream where there is one). */
  notify: (notification: {
    method: 'notifications/message';
    params: LoggingMessageNotificationParams;
  }) => void;
  /** Null when the client cannot be asked (it declared no such capability, or the call took the fast path). */
  ask?: AskClient | null | undefined;
}

const SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** True for one of the eight MCP (RFC 5424) log levels. */
export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return typeof value === 'string' && (SEVERITY as readonly string[]).includes(value);
}

/** True when a message at `level` passes `threshold` (RFC 5424 order; undefined lets every level pass). */
export function passesLevel(level: LoggingLevel, threshold: LoggingLevel | undefined): boolean {
  return threshold === undefined || SEVERITY.indexOf(level) >= SEVERITY.indexOf(threshold);
}

/**
 * A backend's log message as a downstream client sees it: on the aggregate endpoint `logger` names the
 * backend (`echo`, or `echo/db` when the backend named one); on a single-backend endpoint it is kept.
 */
export function fromBackend(
  params: LoggingMessageNotificationParams,
  backend: string,
  aggregate: boolean,
): LoggingMessageNotificationParams {
  if (!aggregate) return params;
  return { ...params, logger: params.logger === undefined ? backend : `${backend}/${params.logger}` };
}

/**
 * One downstream request while it runs upstream: the tag a backend connection hands back with each
 * server-to-client request and log message it receives, so the gateway answers through, and reports
 * to, the client that made the call.
 */
export class DownstreamCall {
  readonly caller: GatewayCaller;
  readonly ask: AskClient | null;
  #options: DownstreamCallOptions;

  constructor(options: DownstreamCallOptions) {
    this.caller = options.caller;
    this.ask = options.ask ?? null;
    this.#options = options;
  }

  /** The level to ask a 2026-07-28 backend for (none unless the client chose one). */
  get requestedLogLevel(): LoggingLevel | undefined {
    return this.#options.logLevel() ?? undefined;
  }

  /** Sends `backend`'s log message to the client when it wants that level; never throws. */
  log(backend: string, params: LoggingMessageNotificationParams): void {
    const threshold = this.#options.logLevel();
    if (threshold === null || !passesLevel(params.level, threshold)) return;
    this.#options.notify({
      method: 'notifications/message',
      params: fromBackend(params, backend, this.#options.aggregate),
    });
  }
}
