// The shapes the Gatehouse REST API answers with (see docs/ and src/http/routes/).

/** A user as the admin and session APIs show it. */
export interface UserView {
  id: string;
  email: string;
  username: string;
  full_name: string | null;
  is_admin: boolean;
  is_active: boolean;
  is_locked: boolean;
  password_change_required: boolean;
  failed_login_attempts: number;
  locked_until: string | null;
  last_login: string | null;
  created_at: string;
  source: 'database' | 'file';
}

/** GET /auth/session and the answers of POST /auth/session and change-password. */
export interface SessionView {
  user: UserView;
  csrf_token: string;
  expires_at?: string;
  password_change_required?: boolean;
}

/** GET /auth/email/password-policy. */
export interface PasswordPolicy {
  min_length: number;
  max_length: number;
  require_uppercase: boolean;
  require_lowercase: boolean;
  require_numbers: boolean;
  require_special: boolean;
  rules: string[];
}

/** An API key as listed: never the secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  admin: boolean;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  state: 'active' | 'expired' | 'revoked';
}

/** Tool patterns for one backend, or every backend (`*`). */
export interface ToolRule {
  backend: string;
  allow?: string[];
  deny?: string[];
}

/** GET /users/{username}: the gateway-proxy view with the access policy. */
export interface UserAccessView {
  username: string;
  email: string;
  allowed_mcps: string[];
  blocked_mcps: string[];
  tool_rules?: ToolRule[];
}

/** One tool a user would see on /mcp. */
export interface PreviewTool {
  name: string;
  backend: string;
  tool: string;
}

/** A backend's stored configuration (secrets masked). */
export interface BackendConfig {
  name: string;
  transport: 'stdio' | 'http' | 'sse';
  description?: string;
  enabled: boolean;
  command?: string;
  args?: string[];
  url?: string;
  isolation?: string;
  startup?: string;
  timeoutMs?: number;
  connectTimeoutMs?: number;
}

/** GET /status: one backend's health. Fields come in camelCase or snake_case. */
export interface BackendStatus {
  name: string;
  state: string;
  lastError?: string | null;
  last_error?: string | null;
  latencyMs?: number | null;
  latency_ms?: number | null;
  toolCount?: number | null;
  tool_count?: number | null;
  processCount?: number;
  process_count?: number;
  restarts?: number;
}

/** One audit-trail entry. */
export interface AuditEvent {
  id: number;
  ts: string;
  event_type: string;
  success: boolean;
  user_email: string | null;
  ip: string | null;
  user_agent: string | null;
  details: unknown;
}

export interface OAuthClient {
  client_id: string;
  client_name: string | null;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  source: 'config' | 'registered';
  created_at: string | null;
}

export interface OAuthGrant {
  grant_id: string;
  client_id: string;
  user_email: string | null;
  scopes: string[];
  resources: Record<string, string[]> | string[];
  created_at: string;
  expires_at: string | null;
}
