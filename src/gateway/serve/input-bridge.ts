import { randomBytes } from 'node:crypto';
import {
  type CallToolResult,
  type InputRequiredResult,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/server';
import { type GatewayCaller, isSameIdentity } from '../caller.ts';
import type { ServerRequestMethod } from '../upstream/index.ts';

interface Question {
  method: ServerRequestMethod;
  params: Record<string, unknown> | undefined;
  answer: (result: Record<string, unknown>) => void;
}

/**
 * One tool call of a 2026-07-28 client whose backend asks questions while it runs. The revision has no
 * server-to-client requests: each question is handed to the client in an `input_required` result,
 * and the client's retry of the call carries the answer. The upstream call keeps running meanwhile.
 */
class PendingCall {
  readonly caller: GatewayCaller;
  readonly abort = new AbortController();
  #questions = new Map<string, Question>();
  #sequence = 0;
  #outcome: { result: CallToolResult } | { error: unknown } | null = null;
  #changed: () => void = () => undefined;
  /** Where notifications of the call go: the stream of the round in progress, if any. */
  #notify: ((notification: object) => void) | null = null;

  constructor(caller: GatewayCaller) {
    this.caller = caller;
  }

  /** Runs the upstream call; its questions come through `ask`. */
  start(upstream: (signal: AbortSignal) => Promise<CallToolResult>): void {
    upstream(this.abort.signal).then(
      (result) => this.#settle({ result }),
      (error: unknown) => this.#settle({ error }),
    );
  }

  get settled(): boolean {
    return this.#outcome !== null;
  }

  /** A backend's question: resolves with the client's answer from a later round. */
  ask(method: ServerRequestMethod, params: Record<string, unknown> | undefined, signal: AbortSignal) {
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const key = `q${++this.#sequence}`;
      this.#questions.set(key, { method, params, answer: resolve });
      signal.addEventListener(
        'abort',
        () => {
          if (this.#questions.delete(key)) reject(signal.reason);
        },
        { once: true },
      );
      this.#changed();
    });
  }

  /** Sends a notification of the call (progress, a log message) on the current round's stream. */
  notify(notification: object): void {
    this.#notify?.(notification);
  }

  /** Hands the client's answers (untrusted; the upstream client validates them) to the questions. */
  answer(responses: Record<string, unknown> | undefined): void {
    for (const [key, response] of Object.entries(responses ?? {})) {
      const question = this.#questions.get(key);
      if (!question || typeof response !== 'object' || response === null) continue;
      this.#questions.delete(key);
      question.answer(response as Record<string, unknown>);
    }
  }

  /**
   * Waits until the call is done (its result, or its error thrown) or has questions nobody answered
   * yet (returned as the input requests of an `input_required` result). Aborting `signal` cancels it.
   */
  async round(
    signal: AbortSignal,
    notify: (notification: object) => void,
  ): Promise<CallToolResult | Record<string, object>> {
    const onAbort = () => this.abort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#notify = notify;
    try {
      for (;;) {
        if (this.#outcome !== null) {
          if ('error' in this.#outcome) throw this.#outcome.error;
          return this.#outcome.result;
        }
        if (this.#questions.size > 0) {
          const asked = [...this.#questions].map(([key, { method, params }]) => [key, { method, params }]);
          return Object.fromEntries(asked) as Record<string, object>;
        }
        await new Promise<void>((resolve) => {
          this.#changed = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.#changed = () => undefined;
        if (signal.aborted)
          throw new ProtocolError(ProtocolErrorCode.InternalError, 'The call was cancelled');
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#notify = null;
    }
  }

  #settle(outcome: { result: CallToolResult } | { error: unknown }): void {
    this.#outcome = outcome;
    this.#changed();
  }
}

/** How long a call waits for the client's next round before it is cancelled. */
const ROUND_TIMEOUT_MS = 300_000;
/** Calls waiting for a client's round at once, across all callers. */
const MAX_WAITING = 1000;

/** What the upstream call of a bridged call is given: where its questions and notifications go. */
export interface BridgedCall {
  ask: PendingCall['ask'];
  notify: (notification: object) => void;
}

/**
 * The multi-round-trip bridge between 2026-07-28 clients and backends that ask questions mid-call
 * (sampling, elicitation, roots): a call with open questions waits here, under an unguessable
 * `requestState` bound to the caller's identity, until the client retries it with the answers.
 */
export class InputBridge {
  #waiting = new Map<string, { call: PendingCall; timer: NodeJS.Timeout }>();

  /**
   * Runs a call (first round) or resumes the one `requestState` names with `inputResponses`. Resolves
   * with the tool result, or with an `input_required` result carrying the backend's questions and the
   * state to retry with. An unknown or expired state, or one of another identity, throws -32602
   * `Invalid or expired requestState`, as the SDK answers one its verify hook refuses.
   */
  async run(
    caller: GatewayCaller,
    round: {
      requestState: unknown;
      inputResponses: Record<string, unknown> | undefined;
      signal: AbortSignal;
      notify: (notification: object) => void;
    },
    upstream: (bridge: BridgedCall, signal: AbortSignal) => Promise<CallToolResult>,
  ): Promise<CallToolResult | InputRequiredResult> {
    let call: PendingCall;
    if (round.requestState === undefined) {
      call = new PendingCall(caller);
      const bridge = { ask: call.ask.bind(call), notify: call.notify.bind(call) };
      call.start((signal) => upstream(bridge, signal));
    } else {
      const token = typeof round.requestState === 'string' ? round.requestState : '';
      const waiting = this.#waiting.get(token);
      if (!waiting || !isSameIdentity(waiting.call.caller, caller))
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', {
          reason: 'invalid_request_state',
        });
      this.#waiting.delete(token);
      clearTimeout(waiting.timer);
      call = waiting.call;
      call.answer(round.inputResponses);
    }
    const outcome = await call.round(round.signal, round.notify);
    if (call.settled) return outcome as CallToolResult;
    return inputRequired({ inputRequests: outcome as never, requestState: this.#park(call) });
  }

  #park(call: PendingCall): string {
    if (this.#waiting.size >= MAX_WAITING) {
      call.abort.abort();
      throw new ProtocolError(ProtocolErrorCode.InternalError, 'Too many calls are waiting for input');
    }
    const token = randomBytes(16).toString('base64url');
    const timer = setTimeout(() => {
      this.#waiting.delete(token);
      call.abort.abort();
    }, ROUND_TIMEOUT_MS);
    timer.unref();
    this.#waiting.set(token, { call, timer });
    return token;
  }

  /** Cancels every waiting call. */
  close(): void {
    for (const { call, timer } of this.#waiting.values()) {
      clearTimeout(timer);
      call.abort.abort();
    }
    this.#waiting.clear();
  }
}
