import { Counter, Histogram, type Registry } from 'prom-client';

const AUTH_METHODS = [
  'password',
  'api_key',
  'file_token',
  'static_key',
  'jwt',
  'session',
  'oauth',
  'unknown',
] as const;
const AUTH_OUTCOMES = ['success', 'failure', 'rate_limited'] as const;
const RESET_STAGES = ['requested', 'rate_limited', 'completed'] as const;

/** How a caller proved who it is; `unknown` for a refused bearer credential of no recognisable shape. */
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** What became of an authentication attempt. */
export type AuthOutcome = (typeof AUTH_OUTCOMES)[number];

/** The stages of a self-service password reset. */
export type ResetStage = (typeof RESET_STAGES)[number];

/** Seconds: from a fast local tool to a slow remote one (the call timeout is minutes at most). */
const TOOL_CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The counters and histograms Gatehouse updates as things happen (gauges are read at scrape time). */
export interface EventFamilies {
  authAttempts: Counter<'method' | 'outcome'>;
  apiKeyVerifications: Counter<'outcome'>;
  lockouts: Counter;
  passwordResets: Counter<'stage'>;
  securityEvents: Counter<'event' | 'outcome'>;
  toolCalls: Counter<'backend' | 'tool' | 'outcome'>;
  toolCallDuration: Histogram<'backend' | 'tool'>;
}

/** Registers the event-driven families on `registry`. */
export function eventFamilies(registry: Registry): EventFamilies {
  const registers = [registry];
  const families: EventFamilies = {
    authAttempts: new Counter({
      name: 'gatehouse_auth_attempts_total',
      help: 'Authentication attempts by method (password, api_key, file_token, static_key, jwt, session, oauth, unknown) and outcome (success, failure, rate_limited).',
      labelNames: ['method', 'outcome'],
      registers,
    }),
    apiKeyVerifications: new Counter({
      name: 'gatehouse_api_key_verifications_total',
      help: 'Verifications of database API keys (mcpgw_…) by outcome (valid, invalid).',
      labelNames: ['outcome'],
      registers,
    }),
    lockouts: new Counter({
      name: 'gatehouse_account_lockouts_total',
      help: 'Accounts locked by consecutive failed logins.',
      registers,
    }),
    passwordResets: new Counter({
      name: 'gatehouse_password_resets_total',
      help: 'Self-service password resets by stage (requested, rate_limited, completed). Requests for unknown addresses count as requested too.',
      labelNames: ['stage'],
      registers,
    }),
    securityEvents: new Counter({
      name: 'gatehouse_security_events_total',
      help: 'Audit events (as in auth_events) by type and outcome (success, failure).',
      labelNames: ['event', 'outcome'],
      registers,
    }),
    toolCalls: new Counter({
      name: 'gatehouse_tool_calls_total',
      help: 'Tool calls through the gateway by backend, tool and outcome (ok, tool_error, timeout, unavailable, …).',
      labelNames: ['backend', 'tool', 'outcome'],
      registers,
    }),
    toolCallDuration: new Histogram({
      name: 'gatehouse_tool_call_duration_seconds',
      help: 'Time from the gateway forwarding a tool call to its answer, by backend and tool.',
      labelNames: ['backend', 'tool'],
      buckets: TOOL_CALL_BUCKETS,
      registers,
    }),
  };
  // Known series start at 0, so rate() and alerts see the first event rather than a new series.
  for (const method of AUTH_METHODS)
    for (const outcome of AUTH_OUTCOMES) families.authAttempts.inc({ method, outcome }, 0);
  for (const outcome of ['valid', 'invalid']) families.apiKeyVerifications.inc({ outcome }, 0);
  for (const stage of RESET_STAGES) families.passwordResets.inc({ stage }, 0);
  return families;
}
