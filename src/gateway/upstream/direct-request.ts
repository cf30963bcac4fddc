import { type CallToolResult, ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { checkedToolResult } from './tool-result.ts';

/** A JSON-RPC response to a request sent around the SDK client, as received. */
export type RawResponse =
  { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

/** A request sent around the SDK client; its id is a string, which the SDK client never uses. */
export interface DirectMessage {
  jsonrpc: '2.0';
  id: string;
  method: string;
  params: Record<string, unknown>;
}

/** A transport's way to exchange one request without the SDK client's protocol layer. */
export interface DirectChannel {
  /** Sends `message` and resolves with the response to its id. */
  exchange(message: DirectMessage): Promise<RawResponse>;
  /** Stops waiting for `id` and tells the backend the request is cancelled. */
  cancel(id: string, reason: string): void;
  /** False for a request the channel cannot send exactly as the SDK client would; absent: any. */
  accepts?(message: { method: string; params: Record<string, unknown> }): boolean;
}

let sequence = 0;

/**
 * Sends one request over `channel` without the SDK client: no request or result schema, no
 * per-request bookkeeping beyond a timer. Resolves with the backend's raw result; rejects the way the
 * SDK client would, so toBackendError maps both paths alike: a ProtocolError for the backend's own
 * JSON-RPC error, SdkError RequestTimeout after `timeoutMs` and the signal's reason when it aborts
 * (both also cancel the request upstream), and whatever the channel rejects with (a closed
 * connection).
 */
export function directRequest(
  channel: DirectChannel,
  method: string,
  params: Record<string, unknown>,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<Record<string, unknown>> {
  const id = `gatehouse-${++sequence}`;
  const { timeoutMs, signal } = options;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => {
      if (!finish()) return;
      channel.cancel(id, String(signal?.reason ?? 'cancelled'));
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      if (!finish()) return;
      channel.cancel(id, 'timeout');
      reject(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs }));
    }, timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    channel.exchange({ jsonrpc: '2.0', id, method, params }).then(
      (response) => {
        if (!finish()) return;
        if ('error' in response) {
          const { code, message, data } = response.error;
          reject(ProtocolError.fromError(code, message, data));
        } else resolve(response.result);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}

/**
 * A tools/call around the SDK client (see directRequest), its result checked by checkedToolResult
 * (an invalid one rejects as SdkError InvalidResult, as the SDK client's schema would). Null when a
 * 2026-07-28 backend needs input first (an `input_required` result): the caller then makes the call
 * again through the SDK client, whose multi-round-trip driver asks for the input and retries (a
 * first round has no effect by design).
 */
export async function directToolCall(
  channel: DirectChannel,
  params: Record<string, unknown>,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<CallToolResult | null> {
  const raw = await directRequest(channel, 'tools/call', params, options);
  if (raw.resultType === 'input_required') return null;
  const result = checkedToolResult(raw);
  if (result === null) throw new SdkError(SdkErrorCode.InvalidResult, 'Invalid tools/call result');
  return result;
}
