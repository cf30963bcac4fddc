import type { Implementation, LoggingLevel, Progress } from '@modelcontextprotocol/client';
import type { ServerRequestHandler } from './server-requests.ts';

/** Per-call options for requests to a backend. */
export interface CallOptions {
  /** Aborting sends notifications/cancelled upstream and rejects with a `cancelled` BackendError. */
  signal?: AbortSignal | undefined;
  /** Receives the backend's progress notifications for this call. */
  onProgress?: ((progress: Progress) => void) | undefined;
  /** Overrides the backend's configured `timeoutMs`. */
  timeoutMs?: number | undefined;
  /**
   * Opaque tag (the downstream call) passed to server-request handlers and log listeners while this
   * call runs.
   */
  caller?: unknown;
  /** The least severe log level the caller wants; a 2026-07-28 backend is asked for it in `_meta`. */
  logLevel?: LoggingLevel | undefined;
}

/** Construction options of a {@link BackendConnection}. */
export interface BackendConnectionOptions {
  /** How Gatehouse introduces itself in `initialize`; defaults to gatehouse 0.1.0. */
  clientInfo?: Implementation | undefined;
  /** Answers sampling, elicitation and roots requests; without one they are not advertised. */
  serverRequestHandler?: ServerRequestHandler | null | undefined;
  /** Receives each line a stdio backend writes to stderr (otherwise discarded). */
  onStderr?: ((line: string) => void) | undefined;
  /** Grace before SIGTERM, and again before SIGKILL, when stopping a stdio backend. Default 2000. */
  killGraceMs?: number | undefined;
  /**
   * Whether plain tool calls may go around the SDK client (stdio: written and answered by id; no
   * schema validation beyond a shape check). Default true; false keeps every request on the SDK
   * client, to compare the two.
   */
  directCalls?: boolean | undefined;
  /** Clock for `lastActivityAt`; defaults to Date.now. */
  now?: (() => number) | undefined;
}
