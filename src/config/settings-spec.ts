import {
  addressList,
  backendList,
  boolean,
  databaseUrl,
  email,
  integer,
  keyValueList,
  oauthClientList,
  oneOf,
  originList,
  text,
  url,
  urlPrefixList,
} from './fields.ts';

/**
 * Every setting Gatehouse reads: the single source of truth for types, defaults, validation,
 * `gatehouse config check`, `.env.example` and `docs/configuration.md`.
 * Keys are the names used in code; `env` is the environment variable (YAML files use its lower-case form).
 */
export const SETTING_SPECS = {
  // Server
  host: text({
    env: 'HOST',
    group: 'Server',
    default: '127.0.0.1',
    doc: 'Address the HTTP server binds to.',
  }),
  port: integer(1, 65535, {
    env: 'PORT',
    group: 'Server',
    default: 4444,
    doc: 'TCP port of the HTTP server.',
  }),
  publicBaseUrl: url(['http', 'https'], {
    env: 'PUBLIC_BASE_URL',
    group: 'Server',
    doc: 'External URL of this gateway, used in links and OAuth metadata. Defaults to http://HOST:PORT.',
  }),
  trustedProxies: addressList({
    env: 'TRUSTED_PROXIES',
    group: 'Server',
    default: [],
    doc: 'Peers whose X-Forwarded-For is believed. Anyone else is identified by the socket address.',
  }),
  bodyLimitBytes: integer(1024, 64 * 1024 * 1024, {
    env: 'BODY_LIMIT_BYTES',
    group: 'Server',
    default: 1024 * 1024,
    doc: 'Largest accepted request body; larger ones get 413.',
  }),
  shutdownGraceSeconds: integer(1, 600, {
    env: 'SHUTDOWN_GRACE_SECONDS',
    group: 'Server',
    default: 10,
    doc: 'On SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway.',
  }),
  httpHeadersTimeoutMs: integer(1000, 600_000, {
    env: 'HTTP_HEADERS_TIMEOUT_MS',
    group: 'Server',
    default: 30_000,
    doc: 'A client must send all the headers of a request within this time, or gets 408 and is disconnected (against slowloris). At most HTTP_REQUEST_TIMEOUT_MS.',
  }),
  httpRequestTimeoutMs: integer(1000, 3_600_000, {
    env: 'HTTP_REQUEST_TIMEOUT_MS',
    group: 'Server',
    default: 120_000,
    doc: 'A client must send a whole request, headers and body, within this time, or gets 408 and is disconnected (against slow bodies). Responses, such as event streams, are not limited by it.',
  }),
  logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    env: 'LOG_LEVEL',
    group: 'Server',
    default: 'info',
    doc: 'Least severe level written to the JSON log on stdout.',
  }),
  logBufferMs: integer(0, 10_000, {
    env: 'LOG_BUFFER_MS',
    group: 'Server',
    default: 100,
    doc: '`gatehouse serve` writes its log lines in batches: a line waits in memory until 4 KiB are pending or this many milliseconds have passed, which saves a write per line (a tenth of the CPU of a tool call). A stop or a crash writes what is pending; a SIGKILL or a power cut loses at most this much of the log (the audit trail in the database is kept apart). 0 writes every line at once.',
  }),

  // Metrics
  metricsEnabled: boolean({
    env: 'METRICS_ENABLED',
    group: 'Metrics',
    default: true,
    doc: 'Serve Prometheus metrics at /metrics. Without METRICS_TOKEN or METRICS_PORT they answer loopback clients only. See docs/metrics.md.',
  }),
  metricsToken: text({
    env: 'METRICS_TOKEN',
    group: 'Metrics',
    min: 32,
    secret: true,
    doc: 'Bearer token a scraper must send for /metrics (`Authorization: Bearer …`); others get 401. Any client may then scrape.',
  }),
  metricsPort: integer(1, 65535, {
    env: 'METRICS_PORT',
    group: 'Metrics',
    doc: 'Serve /metrics on this port of HOST instead of PORT (the main port then answers 404 there). Keep it off public networks, or set METRICS_TOKEN too.',
  }),

  // Gateway
  gatewayBackends: backendList({
    env: 'GATEWAY_BACKENDS',
    group: 'Gateway',
    default: [],
    secret: true,
    doc: 'Backend MCP servers defined by configuration (a YAML list under `gateway_backends:`, or JSON): written to the database at start, where the admin API can see them; the configuration wins over API edits at the next start.',
  }),
  auditToolArguments: boolean({
    env: 'AUDIT_TOOL_ARGUMENTS',
    group: 'Gateway',
    default: false,
    doc: 'Store tool-call arguments in the audit trail (values under secret-sounding keys are redacted, long values cut). Off: only identity, backend, tool, outcome and duration.',
  }),
  mcpAllowedOrigins: originList({
    env: 'MCP_ALLOWED_ORIGINS',
    group: 'Gateway',
    default: [],
    doc: 'Browser origins allowed on the MCP endpoints besides PUBLIC_BASE_URL (and loopback origins while HOST is loopback). Other origins get 403.',
  }),
  gatewayToolSeparator: oneOf(['__', '_', '-', '--', '___'], {
    env: 'GATEWAY_TOOL_SEPARATOR',
    group: 'Gateway',
    default: '__',
    doc: 'Between the backend name and the tool or prompt name on /mcp: `{backend}__{tool}`.',
  }),
  gatewayPrefixMode: oneOf(['always', 'conditional', 'never'], {
    env: 'GATEWAY_PREFIX_MODE',
    group: 'Gateway',
    default: 'always',
    doc: 'Prefix tool and prompt names with their backend always, only when two backends share a name, or never (a clash then keeps the first backend by name).',
  }),
  gatewayMaxProcesses: integer(1, 10_000, {
    env: 'GATEWAY_MAX_PROCESSES',
    group: 'Gateway',
    default: 50,
    doc: 'Most stdio backend processes alive at once; idle per-user and per-session ones are stopped first.',
  }),
  mcpSessionIdleMinutes: integer(1, 24 * 60, {
    env: 'MCP_SESSION_IDLE_MINUTES',
    group: 'Gateway',
    default: 30,
    doc: 'A 2025-era MCP session unused this long is closed (its per-session backend processes too).',
  }),

  // Storage
  databaseUrl: databaseUrl({
    env: 'DATABASE_URL',
    group: 'Storage',
    default: 'sqlite:./data/gatehouse.db',
    secretUrl: true,
    doc: 'Database: embedded SQLite (`sqlite:PATH`, `sqlite::memory:`) or PostgreSQL (`postgres://…`).',
  }),
  databasePoolSize: integer(1, 200, {
    env: 'DATABASE_POOL_SIZE',
    group: 'Storage',
    default: 10,
    doc: 'Maximum PostgreSQL connections per process (SQLite uses one).',
  }),
  redisUrl: url(['redis', 'rediss'], {
    env: 'REDIS_URL',
    group: 'Storage',
    secretUrl: true,
    doc: 'Redis for state shared across replicas. Unset: state is kept in process memory.',
  }),
  redisKeyPrefix: text({
    env: 'REDIS_KEY_PREFIX',
    group: 'Storage',
    default: 'gatehouse:',
    max: 100,
    doc: 'Prefix of every Redis key and pub/sub channel Gatehouse uses, so several installations can share one Redis.',
  }),
  replicaUrl: url(['http', 'https'], {
    env: 'REPLICA_URL',
    group: 'Storage',
    secretUrl: true,
    doc: 'With REDIS_URL: the address other replicas reach this one at, to forward requests of the MCP sessions it holds (e.g. http://$(POD_IP):4444). Defaults to http://HOST:PORT, or http://<hostname>:PORT when HOST is 0.0.0.0 or ::.',
  }),

  // Identity and tokens
  platformAdminEmail: email({
    env: 'PLATFORM_ADMIN_EMAIL',
    group: 'Identity',
    default: 'admin@example.com',
    doc: 'E-mail of the platform admin created at first start.',
  }),
  platformAdminPassword: text({
    env: 'PLATFORM_ADMIN_PASSWORD',
    group: 'Identity',
    secret: true,
    doc: 'Password of the platform admin. Changing it re-applies it at the next start (recovery).',
  }),
  requireUserInDb: boolean({
    env: 'REQUIRE_USER_IN_DB',
    group: 'Identity',
    default: false,
    doc: 'When true, a token for PLATFORM_ADMIN_EMAIL without a database row is refused.',
  }),
  jwtSecretKey: text({
    env: 'JWT_SECRET_KEY',
    group: 'Identity',
    min: 32,
    secret: true,
    doc: 'HS256 key for access tokens. Unset: generated once and stored in the database.',
  }),
  tokenExpiryMinutes: integer(1, 7 * 24 * 60, {
    env: 'TOKEN_EXPIRY_MINUTES',
    group: 'Identity',
    default: 60,
    doc: 'Lifetime of an access token issued at login.',
  }),
  jwtIssuer: text({
    env: 'JWT_ISSUER',
    group: 'Identity',
    default: 'gatehouse',
    doc: 'The `iss` claim of access tokens.',
  }),
  jwtAudience: text({
    env: 'JWT_AUDIENCE',
    group: 'Identity',
    default: 'gatehouse-api',
    doc: 'The `aud` claim of access tokens.',
  }),
  apiKeyCacheTtlSeconds: integer(1, 3600, {
    env: 'API_KEY_CACHE_TTL_SECONDS',
    group: 'Identity',
    default: 30,
    doc: 'How long a verified API key is served from memory. Changes made through Gatehouse apply at once; raw SQL changes within this time.',
  }),
  gatewayStaticApiKey: text({
    env: 'GATEWAY_STATIC_API_KEY',
    group: 'Identity',
    min: 32,
    secret: true,
    doc: 'One fixed bearer key for a service identity (GATEWAY_STATIC_API_KEY_USER). Prefer per-user keys.',
  }),
  gatewayStaticApiKeyUser: email({
    env: 'GATEWAY_STATIC_API_KEY_USER',
    group: 'Identity',
    doc: 'The user (e-mail) that GATEWAY_STATIC_API_KEY acts as; it must exist and be active. Never an admin key.',
  }),
  authTokenFile: text({
    env: 'AUTH_TOKEN_FILE',
    group: 'Identity',
    doc: 'YAML file of API tokens (pgEdge format: `tokens: {<id>: {hash, expires_at, annotation}}`, SHA-256 hashes), reloaded when it changes. See docs/auth-files.md.',
  }),
  authUserFile: text({
    env: 'AUTH_USER_FILE',
    group: 'Identity',
    doc: 'YAML file of users (pgEdge format: `users: {<name>: {password_hash, enabled, annotation}}`), merged with the database and reloaded when it changes. See docs/auth-files.md.',
  }),
  authTokenFileDefaultUser: text({
    env: 'AUTH_TOKEN_FILE_DEFAULT_USER',
    group: 'Identity',
    doc: 'The user (e-mail or username) that AUTH_TOKEN_FILE tokens without a `user:` field act as. Unset: such tokens are refused.',
  }),

  // Passwords
  argon2idMemoryCost: integer(8 * 1024, 1024 * 1024, {
    env: 'ARGON2ID_MEMORY_COST',
    group: 'Passwords',
    default: 19456,
    doc: 'Argon2id memory in KiB (OWASP: 19456). Hashes with other parameters are re-hashed at the next login.',
  }),
  argon2idTimeCost: integer(1, 20, {
    env: 'ARGON2ID_TIME_COST',
    group: 'Passwords',
    default: 2,
    doc: 'Argon2id iterations.',
  }),
  argon2idParallelism: integer(1, 16, {
    env: 'ARGON2ID_PARALLELISM',
    group: 'Passwords',
    default: 1,
    doc: 'Argon2id lanes.',
  }),
  passwordHashConcurrency: integer(1, 256, {
    env: 'PASSWORD_HASH_CONCURRENCY',
    group: 'Passwords',
    default: 4,
    doc: 'Password hashes computed at once; the rest wait in line. Bounds memory under a login flood.',
  }),
  passwordHashQueueTimeoutMs: integer(0, 60_000, {
    env: 'PASSWORD_HASH_QUEUE_TIMEOUT_MS',
    group: 'Passwords',
    default: 3000,
    doc: 'How long a login may wait for a hashing slot before it gets 503 with Retry-After.',
  }),
  passwordMinLength: integer(8, 256, {
    env: 'PASSWORD_MIN_LENGTH',
    group: 'Passwords',
    default: 15,
    doc: 'Fewest characters in a password (NIST SP 800-63B-4: 15 for single-factor).',
  }),
  passwordMaxLength: integer(64, 1024, {
    env: 'PASSWORD_MAX_LENGTH',
    group: 'Passwords',
    default: 256,
    doc: 'Most characters in a password. Input over 1,024 bytes is refused before hashing whatever this says.',
  }),
  passwordRequireUppercase: boolean({
    env: 'PASSWORD_REQUIRE_UPPERCASE',
    group: 'Passwords',
    default: false,
    doc: 'Require an upper-case letter (NIST advises against composition rules).',
  }),
  passwordRequireLowercase: boolean({
    env: 'PASSWORD_REQUIRE_LOWERCASE',
    group: 'Passwords',
    default: false,
    doc: 'Require a lower-case letter.',
  }),
  passwordRequireNumbers: boolean({
    env: 'PASSWORD_REQUIRE_NUMBERS',
    group: 'Passwords',
    default: false,
    doc: 'Require a digit.',
  }),
  passwordRequireSpecial: boolean({
    env: 'PASSWORD_REQUIRE_SPECIAL',
    group: 'Passwords',
    default: false,
    doc: 'Require a character that is neither a letter nor a digit.',
  }),
  failedLoginMinResponseMs: integer(0, 10_000, {
    env: 'FAILED_LOGIN_MIN_RESPONSE_MS',
    group: 'Passwords',
    default: 400,
    doc: 'Floor on the time of a failed login, so timing does not tell unknown, locked and wrong-password apart.',
  }),

  // Lockout and rate limits
  maxFailedLoginAttempts: integer(1, 1000, {
    env: 'MAX_FAILED_LOGIN_ATTEMPTS',
    group: 'Lockout and rate limits',
    default: 5,
    doc: 'Consecutive failed logins that lock an account.',
  }),
  accountLockoutDurationMinutes: integer(1, 7 * 24 * 60, {
    env: 'ACCOUNT_LOCKOUT_DURATION_MINUTES',
    group: 'Lockout and rate limits',
    default: 30,
    doc: 'How long a locked account stays locked.',
  }),
  accountLockoutNotificationEnabled: boolean({
    env: 'ACCOUNT_LOCKOUT_NOTIFICATION_ENABLED',
    group: 'Lockout and rate limits',
    default: true,
    doc: 'E-mail the owner when their account is locked (needs SMTP).',
  }),
  authRateLimitMaxAttempts: integer(1, 100000, {
    env: 'AUTH_RATE_LIMIT_MAX_ATTEMPTS',
    group: 'Lockout and rate limits',
    default: 10,
    doc: 'Failed authentications allowed per client IP per window; beyond that 429.',
  }),
  authRateLimitWindowMinutes: integer(1, 24 * 60, {
    env: 'AUTH_RATE_LIMIT_WINDOW_MINUTES',
    group: 'Lockout and rate limits',
    default: 15,
    doc: 'Window of the per-IP limit.',
  }),

  // Password reset
  passwordResetEnabled: boolean({
    env: 'PASSWORD_RESET_ENABLED',
    group: 'Password reset',
    default: true,
    doc: 'Allow self-service password reset by e-mail.',
  }),
  passwordResetTokenExpiryMinutes: integer(1, 24 * 60, {
    env: 'PASSWORD_RESET_TOKEN_EXPIRY_MINUTES',
    group: 'Password reset',
    default: 60,
    doc: 'Lifetime of a reset link.',
  }),
  passwordResetRateLimit: integer(1, 1000, {
    env: 'PASSWORD_RESET_RATE_LIMIT',
    group: 'Password reset',
    default: 5,
    doc: 'Reset requests per e-mail address per window.',
  }),
  passwordResetRateWindowMinutes: integer(1, 24 * 60, {
    env: 'PASSWORD_RESET_RATE_WINDOW_MINUTES',
    group: 'Password reset',
    default: 15,
    doc: 'Window of the per-address reset limit.',
  }),
  passwordResetInvalidateSessions: boolean({
    env: 'PASSWORD_RESET_INVALIDATE_SESSIONS',
    group: 'Password reset',
    default: true,
    doc: 'A completed reset revokes every session and token of the user.',
  }),
  passwordResetMinResponseMs: integer(0, 10000, {
    env: 'PASSWORD_RESET_MIN_RESPONSE_MS',
    group: 'Password reset',
    default: 250,
    doc: 'Floor on the forgot-password response time, so timing does not reveal accounts.',
  }),

  // E-mail
  smtpEnabled: boolean({
    env: 'SMTP_ENABLED',
    group: 'E-mail',
    default: false,
    doc: 'Send e-mail over SMTP.',
  }),
  smtpHost: text({ env: 'SMTP_HOST', group: 'E-mail', doc: 'SMTP server host.' }),
  smtpPort: integer(1, 65535, { env: 'SMTP_PORT', group: 'E-mail', default: 587, doc: 'SMTP server port.' }),
  smtpUser: text({ env: 'SMTP_USER', group: 'E-mail', doc: 'SMTP user name.' }),
  smtpPassword: text({ env: 'SMTP_PASSWORD', group: 'E-mail', secret: true, doc: 'SMTP password.' }),
  smtpFromEmail: email({ env: 'SMTP_FROM_EMAIL', group: 'E-mail', doc: 'Sender address of Gatehouse mail.' }),
  smtpFromName: text({ env: 'SMTP_FROM_NAME', group: 'E-mail', default: 'Gatehouse', doc: 'Sender name.' }),
  smtpUseTls: boolean({
    env: 'SMTP_USE_TLS',
    group: 'E-mail',
    default: true,
    doc: 'Require STARTTLS on a plain connection.',
  }),
  smtpUseSsl: boolean({
    env: 'SMTP_USE_SSL',
    group: 'E-mail',
    default: false,
    doc: 'Connect with implicit TLS (usually port 465).',
  }),
  smtpTlsCaFile: text({
    env: 'SMTP_TLS_CA_FILE',
    group: 'E-mail',
    doc: 'PEM file of a CA (or a self-signed certificate) to trust for the SMTP server, on top of the system CAs.',
  }),
  smtpTlsRejectUnauthorized: boolean({
    env: 'SMTP_TLS_REJECT_UNAUTHORIZED',
    group: 'E-mail',
    default: true,
    doc: 'Refuse an SMTP certificate that no trusted CA signed. Set false only to test; prefer SMTP_TLS_CA_FILE.',
  }),
  smtpTimeoutSeconds: integer(1, 300, {
    env: 'SMTP_TIMEOUT_SECONDS',
    group: 'E-mail',
    default: 10,
    doc: 'Connection and send timeout.',
  }),
  // OAuth 2.1 authorization server for MCP clients (docs/oauth.md)
  oauthEnabled: boolean({
    env: 'OAUTH_ENABLED',
    group: 'OAuth',
    default: true,
    doc: 'Serve the OAuth 2.1 authorization server (/oauth/*) and accept its access tokens on the MCP endpoints.',
  }),
  oauthDynamicRegistration: boolean({
    env: 'OAUTH_DYNAMIC_REGISTRATION',
    group: 'OAuth',
    default: true,
    doc: 'Let MCP clients register themselves (RFC 7591, POST /oauth/register).',
  }),
  oauthClientMetadataDocuments: boolean({
    env: 'OAUTH_CLIENT_METADATA_DOCUMENTS',
    group: 'OAuth',
    default: true,
    doc: 'Accept an https URL as client_id and fetch its client metadata document (2.5 s, 5 KiB at most).',
  }),
  oauthMetadataAllowPrivateHosts: boolean({
    env: 'OAUTH_METADATA_ALLOW_PRIVATE_HOSTS',
    group: 'OAuth',
    default: false,
    doc: 'Allow client metadata documents on loopback, private and other special-use addresses. Leave false: it guards against SSRF.',
  }),
  oauthRedirectUriPrefixes: urlPrefixList({
    env: 'OAUTH_REDIRECT_URI_PREFIXES',
    group: 'OAuth',
    default: [],
    doc: 'Redirect URIs a dynamically registered or metadata-document client may use must start with one of these. Empty: any https URI, http on loopback, or a private-use scheme.',
  }),
  oauthAccessTokenTtlSeconds: integer(60, 24 * 3600, {
    env: 'OAUTH_ACCESS_TOKEN_TTL_SECONDS',
    group: 'OAuth',
    default: 3600,
    doc: 'Lifetime of an OAuth access token (a JWT bound to one MCP endpoint).',
  }),
  oauthRefreshTokenTtlDays: integer(1, 365, {
    env: 'OAUTH_REFRESH_TOKEN_TTL_DAYS',
    group: 'OAuth',
    default: 30,
    doc: 'Lifetime of a refresh token and of the grant behind it. Refresh tokens rotate on every use.',
  }),
  oauthClients: oauthClientList({
    env: 'OAUTH_CLIENTS',
    group: 'OAuth',
    default: [],
    secret: true,
    doc: 'Pre-registered OAuth clients: a YAML list (JSON in the environment) of client metadata objects, each with client_id and redirect_uris.',
  }),

  // OpenTelemetry tracing (docs/metrics.md#tracing): the standard OTEL_* variables
  otelSdkDisabled: boolean({
    env: 'OTEL_SDK_DISABLED',
    group: 'Tracing',
    default: false,
    doc: 'true: no tracing, whatever the other OTEL_* variables say.',
  }),
  otelTracesExporter: oneOf(['otlp', 'none'], {
    env: 'OTEL_TRACES_EXPORTER',
    group: 'Tracing',
    doc: '`otlp` turns tracing on (to http://localhost:4318/v1/traces unless an endpoint is set); `none` keeps it off. Unset: on when an OTLP endpoint is set. Off, the OpenTelemetry SDK is not even loaded.',
  }),
  otelExporterOtlpEndpoint: url(['http', 'https'], {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'Tracing',
    secretUrl: true,
    doc: 'Base URL of an OTLP/HTTP receiver (an OpenTelemetry Collector, say): spans go to its /v1/traces. Setting it turns tracing on.',
  }),
  otelExporterOtlpTracesEndpoint: url(['http', 'https'], {
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    group: 'Tracing',
    secretUrl: true,
    doc: 'Full URL spans are sent to, as it is; wins over OTEL_EXPORTER_OTLP_ENDPOINT. Setting it turns tracing on.',
  }),
  otelExporterOtlpProtocol: oneOf(['http/protobuf', 'http/json'], {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: 'Tracing',
    default: 'http/protobuf',
    doc: "Encoding of exported spans (gRPC is not supported: use a receiver's HTTP port).",
  }),
  otelExporterOtlpTracesProtocol: oneOf(['http/protobuf', 'http/json'], {
    env: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    group: 'Tracing',
    doc: 'Wins over OTEL_EXPORTER_OTLP_PROTOCOL for spans.',
  }),
  otelExporterOtlpHeaders: keyValueList({
    env: 'OTEL_EXPORTER_OTLP_HEADERS',
    group: 'Tracing',
    secret: true,
    doc: "Headers sent with every export, `name=value,name2=value2` (values URL-encoded): the tracing service's API key, say.",
  }),
  otelExporterOtlpTracesHeaders: keyValueList({
    env: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    group: 'Tracing',
    secret: true,
    doc: 'More headers for span exports; a name in both lists takes this value.',
  }),
  otelServiceName: text({
    env: 'OTEL_SERVICE_NAME',
    group: 'Tracing',
    doc: 'The `service.name` of the spans. Unset: `service.name` from OTEL_RESOURCE_ATTRIBUTES, else `gatehouse`.',
  }),
  otelResourceAttributes: keyValueList({
    env: 'OTEL_RESOURCE_ATTRIBUTES',
    group: 'Tracing',
    doc: 'More resource attributes of the spans, `key=value,key2=value2` (values URL-encoded), e.g. `deployment.environment.name=prod`.',
  }),
} as const;

export type SettingKey = keyof typeof SETTING_SPECS;
