import type { FastifyBaseLogger } from 'fastify';
import type { NewAuthEvent, Store } from '../store/index.ts';
import type { GatewayCaller } from './caller.ts';

/** One tool call as the audit trail records it. */
export interface ToolCallRecord {
  caller: GatewayCaller;
  backend: string;
  tool: string;
  outcome: string;
  durationMs: number;
  arguments?: unknown;
}

/** Sees each tool call as it is recorded (metrics). Must not throw, nor keep the call. */
export type ToolCallObserver = (call: ToolCallRecord) => void;

// By store: the audit trail of each gateway is its store's, and one process may run several.
const observers = new WeakMap<Store, Set<ToolCallObserver>>();

/**
 * Calls `observer` with every tool call audited into `store` from now on (by the gateway over that
 * store); returns the function that stops it.
 */
export function observeToolCalls(store: Store, observer: ToolCallObserver): () => void {
  const set = observers.get(store) ?? new Set<ToolCallObserver>();
  observers.set(store, set);
  set.add(observer);
  return () => void set.delete(observer);
}

const SECRET_KEY =
  /pass(word|phrase)?|secret|token|api[_-]?key|authori[sz]ation|credential|cookie|private|session/i;
const FLUSH_MS = 1000;
const FLUSH_AT = 500;

/**
 * A copy of tool arguments that is safe to store: values under secret-sounding keys become
 * `[redacted]`, long strings are cut, depth, keys and list lengths are bounded.
 */
export function redactArguments(value: unknown, depth = 0): unknown {
  if (depth > 5) return '[…]';
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => redactArguments(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 50)
      .map(([key, inner]) => [key, SECRET_KEY.test(key) ? '[redacted]' : redactArguments(inner, depth + 1)]),
  );
}

/** How many identities' audit loggers are kept before the cache starts over. */
const LOGGERS_KEPT = 1000;

/**
 * The audit trail of tool calls: each call is logged at once (`security_event: tool_call`) and
 * written to `auth_events` in batches (every second, or every 500 calls), off the call's path.
 * Arguments are kept only when AUDIT_TOOL_ARGUMENTS is on, and then redacted.
 */
export class ToolCallAudit {
  #pending: NewAuthEvent[] = [];
  #store: Store;
  #logger: FastifyBaseLogger;
  #lineLoggers = new Map<string, FastifyBaseLogger>();
  #withArguments: boolean;
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, logger: FastifyBaseLogger, options: { withArguments: boolean }) {
    this.#store = store;
    this.#logger = logger;
    this.#withArguments = options.withArguments;
    this.#timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  /** Records one call. */
  record(call: ToolCallRecord): void {
    for (const observer of observers.get(this.#store) ?? []) observer(call);
    const details: Record<string, unknown> = {
      backend: call.backend,
      tool: call.tool,
      outcome: call.outcome,
      duration_ms: Math.round(call.durationMs * 10) / 10,
    };
    if (call.caller.keyId) details.key_id = call.caller.keyId;
    if (this.#withArguments && call.arguments !== undefined)
      details.arguments = redactArguments(call.arguments);
    this.#lineLogger(call.caller.email).info(details, 'tool_call');
    this.#pending.push({
      eventType: 'tool_call',
      success: call.outcome === 'ok',
      userId: call.caller.userId,
      userEmail: call.caller.email,
      details,
    });
    if (this.#pending.length >= FLUSH_AT) void this.flush();
  }

  /**
   * The logger of one identity's tool_call lines: `security_event` and `user_email` serialised once,
   * as child bindings. Without the process logger's redaction paths, which pino would otherwise apply
   * to every field of every call: the line holds names, an outcome, a duration, a key id and the
   * arguments, which redactArguments has already cleaned (its keys cover every redacted path).
   */
  #lineLogger(email: string): FastifyBaseLogger {
    let logger = this.#lineLoggers.get(email);
    if (logger === undefined) {
      if (this.#lineLoggers.size >= LOGGERS_KEPT) this.#lineLoggers.clear();
      logger = this.#logger.child({ security_event: 'tool_call', user_email: email }, { redact: [] });
      this.#lineLoggers.set(email, logger);
    }
    return logger;
  }

  /** Writes what is pending; a failed write is logged, and the calls stay in the log lines. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const batch = this.#pending.splice(0);
      if (batch.length === 0) return;
      try {
        await this.#store.authEvents.appendMany(batch);
      } catch (error) {
        this.#logger.error(
          { err: { message: (error as Error).message }, lost: batch.length },
          'tool call audit write failed',
        );
      }
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
