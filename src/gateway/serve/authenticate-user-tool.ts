import { type IdentityContext, login, type RequestContext } from '../../identity/index.ts';

/** The hidden tool's name (pgEdge): never listed, callable without a bearer token. */
export const AUTHENTICATE_USER_TOOL = 'authenticate_user';

/** How long a session token from authenticate_user lives: 24 hours, as in pgEdge. */
export const SESSION_TOKEN_TTL_SECONDS = 24 * 60 * 60;

interface JsonRpcCall {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name: string; arguments?: Record<string, unknown> };
}

/**
 * The JSON-RPC request in `body` when it is one `tools/call` of `authenticate_user` (the only MCP
 * message an anonymous caller may send); null for anything else, including bad JSON and batches.
 */
export function authenticateUserCall(body: unknown): JsonRpcCall | null {
  if (typeof body !== 'string' || body.length > 64 * 1024) return null;
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const call = message as Partial<JsonRpcCall>;
  const idOk = typeof call.id === 'string' || typeof call.id === 'number';
  if (call.jsonrpc !== '2.0' || !idOk || call.method !== 'tools/call') return null;
  return call.params?.name === AUTHENTICATE_USER_TOOL ? (call as JsonRpcCall) : null;
}

function result(id: string | number, payload: Record<string, unknown>, isError: boolean) {
  return {
    jsonrpc: '2.0',
    id,
    result: { content: [{ type: 'text', text: JSON.stringify(payload) }], isError },
  };
}

/**
 * Answers `authenticate_user {username, password}` with pgEdge's text content:
 * `{"success":true,"session_token":…,"expires_at":…,"message":"Authentication successful"}`. The
 * session token is a 24-hour access token that works as a Bearer token. Runs the ordinary login,
 * so lockout, per-IP limits and auditing apply; every failure says only "Authentication failed"
 * (or that the caller must wait).
 */
export async function answerAuthenticateUser(
  identity: IdentityContext,
  call: JsonRpcCall,
  context: RequestContext & { ip: string },
): Promise<object> {
  const args = call.params.arguments ?? {};
  const outcome = await login(identity, { identifier: args.username, password: args.password }, context, {
    ttlSeconds: SESSION_TOKEN_TTL_SECONDS,
  });
  if (outcome.kind === 'ok') {
    return result(
      call.id,
      {
        success: true,
        session_token: outcome.token.token,
        expires_at: outcome.token.expiresAt.toISOString(),
        message: 'Authentication successful',
      },
      false,
    );
  }
  const message =
    outcome.kind === 'rate_limited'
      ? 'Too many failed attempts; try again later'
      : outcome.kind === 'password_change_required'
        ? 'Password change required: change it in the web UI first'
        : 'Authentication failed';
  return result(call.id, { success: false, message }, true);
}
