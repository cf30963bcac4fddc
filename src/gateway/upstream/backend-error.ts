import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';

/**
 * Why an upstream operation failed on the gateway's side of the wire:
 * - `unknown_backend`: no backend of that name is configured (or it is disabled);
 * - `unavailable`: the backend could not be reached, exited, or closed the connection;
 * - `timeout`: no answer within the call or connect timeout;
 * - `cancelled`: the caller's signal aborted the call;
 * - `capacity`: the process limit is reached and nothing idle can be evicted;
 * - `bad_response`: the backend answered with something that is not valid MCP;
 * - `unsupported`: the request does not exist in the protocol revision agreed with the backend;
 * - `closed`: the connection or pool was closed by the gateway.
 */
export type BackendErrorCode =
  | 'unknown_backend'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'capacity'
  | 'bad_response'
  | 'unsupported'
  | 'closed';

/** A failure of the gateway's upstream side. The message names the backend but never its env, headers or URL. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  readonly code: BackendErrorCode;
  readonly backend: string;

  constructor(code: BackendErrorCode, backend: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.backend = backend;
  }
}

/** What was being attempted when an error happened, for {@link toBackendError}. */
export interface FailedOperation {
  backend: string;
  method: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

function systemCode(error: unknown): string | null {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return null;
}

/**
 * Maps whatever the SDK threw to what the gateway forwards. A JSON-RPC error the backend itself sent
 * (ProtocolError) passes through unchanged so its code reaches the client; everything else becomes a
 * BackendError whose message is safe to show.
 */
export function toBackendError(error: unknown, operation: FailedOperation): Error {
  const { backend, method, timeoutMs, signal } = operation;
  if (error instanceof BackendError) return error;
  if (signal?.aborted) {
    return new BackendError('cancelled', backend, `${method} on "${backend}" was cancelled`);
  }
  if (error instanceof ProtocolError) return error;
  const options = { cause: error };
  if (error instanceof SdkHttpError) {
    return new BackendError(
      'unavailable',
      backend,
      `backend "${backend}" answered HTTP ${error.status}`,
      options,
    );
  }
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return new BackendError(
          'timeout',
          backend,
          `backend "${backend}" did not answer ${method} within ${timeoutMs} ms`,
          options,
        );
      case SdkErrorCode.InvalidResult:
        return new BackendError(
          'bad_response',
          backend,
          `backend "${backend}" sent an invalid ${method} result`,
          options,
        );
      case SdkErrorCode.MethodNotSupportedByProtocolVersion:
      case SdkErrorCode.CapabilityNotSupported:
        return new BackendError(
          'unsupported',
          backend,
          `backend "${backend}" does not support ${method}`,
          options,
        );
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
        return new BackendError(
          'unavailable',
          backend,
          `backend "${backend}" closed the connection`,
          options,
        );
    }
  }
  const code = systemCode(error);
  const why = code ? ` (${code})` : '';
  return new BackendError('unavailable', backend, `backend "${backend}" is unreachable${why}`, options);
}
