// The one way the UI talks to Gatehouse: same-origin fetch with the session cookie, and the
// session's CSRF token on every state change.

/** An error answer of the API, with its stable code and, for password_policy, the violations. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly violations: string[];
  readonly fields: { field: string; message: string }[];
  readonly retryAfterSeconds: number | null;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>, retryAfter: string | null) {
    const code = typeof body.error === 'string' ? body.error : `http_${status}`;
    const message = typeof body.message === 'string' ? body.message : defaultMessage(status, code);
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
    this.violations = Array.isArray(body.violations) ? body.violations.map(String) : [];
    this.fields = Array.isArray(body.details)
      ? body.details.filter(isFieldError).map((d) => ({ field: d.field, message: d.message }))
      : [];
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    this.retryAfterSeconds = Number.isFinite(seconds) ? seconds : null;
  }
}

function isFieldError(value: unknown): value is { field: string; message: string } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.field === 'string' && typeof record.message === 'string';
}

function defaultMessage(status: number, code: string): string {
  if (status === 401) return 'You are not signed in';
  if (status === 403) return 'You are not allowed to do that';
  if (status === 404) return 'Not found';
  if (status === 429) return 'Too many attempts; try again later';
  if (status >= 500) return 'The server could not complete the request';
  return code;
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Remembers the CSRF token of the current session (null after logout). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401: the session has ended. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Sends one API request and returns the parsed JSON (undefined for 204). Throws ApiError for an
 * error answer, and a TypeError-like Error when the network fails.
 */
export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  options: { quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): the status alone describes the failure.
  }
  if (!response.ok) {
    const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    if (response.status === 401 && !options.quiet401) onUnauthorized?.();
    throw new ApiError(response.status, record, response.headers.get('retry-after'));
  }
  return parsed as T;
}

/** The message to show for a failed request. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return `Could not reach Gatehouse: ${error.message}`;
  return 'Something went wrong';
}

/** `/a/b/{x}` with each value URI-encoded. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce(
    (out, part, i) => out + part + (i < values.length ? encodeURIComponent(values[i]!) : ''),
    '',
  );
}
