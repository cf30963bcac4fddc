import type { Settings } from './load.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const DEFAULT_SQLITE_URL = 'sqlite:./data/gatehouse.db';

/** Checks between settings: errors stop start-up, warnings are printed at start and by `config check`. */
export function crossChecks(settings: Settings): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];

  if (settings.smtpEnabled) {
    if (settings.smtpHost === undefined) errors.push('SMTP_HOST is required when SMTP_ENABLED is true');
    if (settings.smtpFromEmail === undefined)
      errors.push('SMTP_FROM_EMAIL is required when SMTP_ENABLED is true');
    if (!settings.smtpTlsRejectUnauthorized) {
      warnings.push(
        'SMTP_TLS_REJECT_UNAUTHORIZED is false: any certificate is accepted, so mail can be intercepted',
      );
    }
    if (!settings.smtpUseTls && !settings.smtpUseSsl) {
      warnings.push(
        'SMTP_USE_TLS and SMTP_USE_SSL are both false: mail, reset links included, travels unencrypted',
      );
    }
  } else if (settings.passwordResetEnabled) {
    warnings.push('PASSWORD_RESET_ENABLED is true but SMTP_ENABLED is false: reset e-mails cannot be sent');
  }

  if (settings.httpHeadersTimeoutMs > settings.httpRequestTimeoutMs) {
    errors.push('HTTP_HEADERS_TIMEOUT_MS must not be more than HTTP_REQUEST_TIMEOUT_MS');
  }

  if (settings.gatewayStaticApiKey !== undefined) {
    if (settings.gatewayStaticApiKeyUser === undefined) {
      errors.push('GATEWAY_STATIC_API_KEY_USER is required when GATEWAY_STATIC_API_KEY is set');
    }
    warnings.push(
      'GATEWAY_STATIC_API_KEY is set: one shared key that never expires; prefer per-user API keys',
    );
  }
  if (settings.jwtSecretKey === undefined) {
    warnings.push('JWT_SECRET_KEY is not set: a random key is generated once and stored in the database');
  }

  // Without the floors, a few milliseconds of database work tell registered accounts from unknown ones.
  for (const [name, value] of [
    ['FAILED_LOGIN_MIN_RESPONSE_MS', settings.failedLoginMinResponseMs],
    ['PASSWORD_RESET_MIN_RESPONSE_MS', settings.passwordResetMinResponseMs],
  ] as const) {
    if (value === 0)
      warnings.push(
        `${name} is 0: response times may tell registered accounts from unknown ones; keep the default`,
      );
  }

  const inMemory = settings.databaseUrl === 'sqlite::memory:';
  if (inMemory) {
    warnings.push('DATABASE_URL is sqlite::memory: every user, key and event is lost when the process stops');
  }
  if (!settings.requireUserInDb && (inMemory || settings.databaseUrl === DEFAULT_SQLITE_URL)) {
    warnings.push(
      'REQUIRE_USER_IN_DB is false on ephemeral or default storage: a token for PLATFORM_ADMIN_EMAIL is accepted even without a database row',
    );
  }

  const tracesUrl = settings.otelExporterOtlpTracesEndpoint ?? settings.otelExporterOtlpEndpoint;
  const exportHeaders = settings.otelExporterOtlpHeaders ?? settings.otelExporterOtlpTracesHeaders;
  if (exportHeaders !== undefined && tracesUrl !== undefined && !settings.otelSdkDisabled) {
    const { protocol, hostname } = new URL(tracesUrl);
    if (protocol === 'http:' && !LOOPBACK_HOSTS.has(hostname.replace(/^\[|\]$/g, ''))) {
      warnings.push(
        'OTEL_EXPORTER_OTLP_HEADERS are sent to a plain-http endpoint on another host: they travel unencrypted; use https',
      );
    }
  }

  if (!LOOPBACK_HOSTS.has(settings.host) && !settings.publicBaseUrl.startsWith('https://')) {
    warnings.push(
      `HOST is ${settings.host} (not loopback) and PUBLIC_BASE_URL is not https: put TLS in front of Gatehouse`,
    );
  }
  return { errors, warnings };
}
