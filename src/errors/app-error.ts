import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

/**
 * An error meant for the client: a catalogue code, the public message (the catalogue's unless
 * overridden) and optional public details. `cause` is for logs only and never reaches the client.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    options: {
      message?: string;
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    if (!(code in ERROR_CATALOGUE)) throw new TypeError(`Unknown error code: ${code}`);
    super(options.message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  /** The JSON body sent to the client. */
  toBody(): Record<string, unknown> {
    // 401s never say why: the message stays internal. The rare public reason a spec asks for
    // (REQUIRE_USER_IN_DB) must be put in `details` on purpose.
    if (this.code === 'Unauthorized') return { error: 'Unauthorized', ...this.details };
    return { error: this.code, message: this.message, ...this.details };
  }
}
