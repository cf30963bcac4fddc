/**
 * Every error code the HTTP API can answer with, its status and its public message.
 * Codes are stable: a retired code is never reused. `docs/errors.md` lists exactly these
 * (a test checks it). OAuth and MCP errors use their own protocol codes and are not here.
 */
export const ERROR_CATALOGUE = {
  Unauthorized: { status: 401, message: '' },
  bad_request: { status: 400, message: 'The request is malformed' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  validation_failed: { status: 400, message: 'The request failed validation' },
  forbidden: { status: 403, message: 'You are not allowed to do this' },
  access_denied: { status: 403, message: 'All MCPs are blocked for your user' },
  not_found: { status: 404, message: 'Not found' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here; see the Allow header' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported Content-Type: send application/json' },
  password_policy: { status: 400, message: 'Password validation failed' },
  invalid_current_password: { status: 400, message: 'The current password is incorrect' },
  last_admin: { status: 400, message: 'Cannot modify last admin' },
  invalid_or_expired_token: { status: 400, message: 'Invalid or expired token' },
  passwords_do_not_match: { status: 400, message: 'Passwords do not match' },
  password_reset_disabled: { status: 403, message: 'Password reset is disabled' },
  password_change_required: { status: 403, message: 'Password change required' },
  backend_exists: { status: 409, message: 'A backend with this name already exists' },
  user_exists: { status: 409, message: 'A user with this email or username already exists' },
  user_managed_by_file: {
    status: 409,
    message: 'This user is defined in the user file (AUTH_USER_FILE); change it there',
  },
  oauth_client_from_config: {
    status: 409,
    message: 'This OAuth client is pre-registered in the configuration (OAUTH_CLIENTS); remove it there',
  },
  insufficient_scope: {
    status: 403,
    message: 'The access token does not grant the scope this endpoint requires',
  },
  rate_limited: { status: 429, message: 'Too many failed attempts; try again later' },
  internal_error: { status: 500, message: 'An internal error occurred' },
  service_unavailable: { status: 503, message: 'The service is temporarily unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
