import type { ColumnType, Generated } from 'kysely';

/** A timestamp column: Date on PostgreSQL, text on SQLite (see capabilities.ts). */
type Timestamp = ColumnType<Date | string, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<
  Date | string | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A boolean column: boolean on PostgreSQL, 0/1 on SQLite. */
type Bool = ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
/** A JSON column: jsonb on PostgreSQL, text on SQLite; written as JSON text. */
type Json = ColumnType<unknown, string | undefined, string>;

/** The `email_users` table, named as ContextForge's recovery SQL expects. */
export interface EmailUsersTable {
  id: string;
  email: string;
  username: string;
  full_name: string | null;
  password_hash: string;
  is_admin: Bool;
  is_active: Bool;
  email_verified_at: NullableTimestamp;
  password_change_required: Bool;
  password_changed_at: NullableTimestamp;
  failed_login_attempts: ColumnType<number, number | undefined, number>;
  locked_until: NullableTimestamp;
  tokens_valid_after: NullableTimestamp;
  last_login: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  allowed_mcps: Json;
  blocked_mcps: Json;
  tool_rules: Json;
  /** 'database', or 'file' for a user mirrored from AUTH_USER_FILE. */
  source: ColumnType<string, string | undefined, string>;
}

/** The `auth_events` audit trail. */
export interface AuthEventsTable {
  id: Generated<number>;
  ts: Timestamp;
  user_id: string | null;
  user_email: string | null;
  event_type: string;
  success: Bool;
  ip: string | null;
  user_agent: string | null;
  details: ColumnType<unknown, string | null | undefined, string | null>;
}

/** Key-value state of the installation (generated keys, bootstrap fingerprints). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

/** Access tokens revoked before their expiry (logout), kept until they would have expired. */
export interface RevokedTokensTable {
  jti: string;
  user_id: string | null;
  expires_at: Timestamp;
  revoked_at: Timestamp;
}

/** Password reset tokens: only the SHA-256 of each token is stored. */
export interface PasswordResetTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
  ip_address: string | null;
  user_agent: string | null;
}

/** Mail accepted for sending; a worker delivers it and retries with backoff. */
export interface MailOutboxTable {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  claimed_until: NullableTimestamp;
  sent_at: NullableTimestamp;
  last_error: string | null;
}

/** API keys: only the SHA-256 of each secret is stored, plus a short display prefix. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: ColumnType<unknown, string | null | undefined, string | null>;
  admin: Bool;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

/** Backend MCP servers added through the admin API: the configuration as JSON. */
export interface BackendsTable {
  name: string;
  config: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Storage of the OAuth authorization server (oidc-provider's models). */
export interface OAuthModelsTable {
  model: string;
  id: string;
  payload: Json;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  client_id: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  email_users: EmailUsersTable;
  auth_events: AuthEventsTable;
  settings: SettingsTable;
  revoked_tokens: RevokedTokensTable;
  password_reset_tokens: PasswordResetTokensTable;
  mail_outbox: MailOutboxTable;
  api_tokens: ApiTokensTable;
  backends: BackendsTable;
  oauth_models: OAuthModelsTable;
}
