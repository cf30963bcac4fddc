import { NEW_PASSWORD, USER_PASSWORD } from './harness.ts';

export const VICTIM = 'victim@example.com';

/** A request that would change state if Gatehouse took it: the route and the JSON body it accepts. */
export interface Mutation {
  route: string;
  body: Record<string, unknown>;
}

/**
 * Every state-changing route of the REST API and the MCP transports, each with a body it would
 * act on. The route-table test of method-and-media.test.ts fails when a route is added that is not listed here.
 * OAuth (/oauth, /.well-known), /metrics and the web UI's cookie session (/auth/session, with
 * its CSRF rules) are covered by their own suites.
 */
export const MUTATIONS: Mutation[] = [
  { route: 'POST /auth/email/login', body: { email: VICTIM, password: USER_PASSWORD } },
  { route: 'POST /auth/email/logout', body: {} },
  {
    route: 'POST /auth/email/change-password',
    body: { old_password: USER_PASSWORD, new_password: NEW_PASSWORD },
  },
  { route: 'POST /auth/email/admin/users', body: { email: 'made@example.com', password: USER_PASSWORD } },
  { route: 'PUT /auth/email/admin/users/:email', body: { is_admin: true } },
  { route: 'PATCH /auth/email/admin/users/:email', body: { is_admin: true } },
  { route: 'DELETE /auth/email/admin/users/:email', body: {} },
  { route: 'POST /auth/email/admin/users/:email/unlock', body: {} },
  { route: 'POST /auth/email/forgot-password', body: { email: VICTIM } },
  {
    route: 'POST /auth/email/reset-password/:token',
    body: { new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
  },
  { route: 'POST /auth/keys', body: { name: 'made' } },
  { route: 'DELETE /auth/keys/:id', body: {} },
  { route: 'POST /users', body: { username: 'made', email: 'made@example.com' } },
  { route: 'DELETE /users/:username', body: {} },
  { route: 'PATCH /users/:username/enable', body: { enabled: false } },
  { route: 'POST /users/:username/keys', body: { key_name: 'made' } },
  { route: 'PUT /users/:username/mcp-access', body: { allowed_mcps: [], blocked_mcps: ['echo'] } },
  { route: 'POST /keys/revoke', body: { key_id: ':id' } },
  { route: 'POST /backends', body: { name: 'made', transport: 'http', url: 'http://127.0.0.1:9/mcp' } },
  { route: 'PATCH /backends/:name', body: { enabled: false } },
  { route: 'DELETE /backends/:name', body: {} },
  ...['/mcp', '/mcp/v1', '/servers/:backend/mcp'].flatMap((path) => [
    {
      route: `POST ${path}`,
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo__echo', arguments: { text: 'x' } },
      },
    },
    { route: `DELETE ${path}`, body: {} },
  ]),
  { route: 'POST /message', body: { jsonrpc: '2.0', id: 1, method: 'ping' } },
  { route: 'POST /servers/:backend/message', body: { jsonrpc: '2.0', id: 1, method: 'ping' } },
];
export const OWNED_ELSEWHERE = /^\/(oauth|\.well-known|metrics|auth\/session)(\/|$)/;
export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `POST /users` → method and URL pattern. */
export function splitRoute(route: string): { method: string; pattern: string } {
  const [method, pattern] = route.split(' ') as [string, string];
  return { method, pattern };
}

/** The URL of `pattern` with each `:param` replaced by its (URL-encoded) value; throws for a missing one. */
export function pathFor(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:([a-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for :${name}`);
    return encodeURIComponent(value);
  });
}

/** The body of `mutation` for these targets: a `:param` string value becomes its value, VICTIM `params.email`. */
export function bodyFor(mutation: Mutation, params: Record<string, string>): Record<string, unknown> {
  const text = JSON.stringify(mutation.body, (_key, value: unknown) => {
    if (typeof value !== 'string') return value;
    if (/^:[a-z]+$/.test(value)) return params[value.slice(1)] ?? value;
    return params.email === undefined ? value : value.replaceAll(VICTIM, params.email);
  });
  return JSON.parse(text) as Record<string, unknown>;
}
