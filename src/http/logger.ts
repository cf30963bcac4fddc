import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { redactUrl } from './redact-url.ts';

/** Log paths whose values are secrets; pino replaces them with "[redacted]". */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.confirm_password',
  '*.password_hash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.api_key',
  '*.secret',
  '*.authorization',
];

interface SerializableRequest {
  method: string;
  url: string;
  id: string;
  ip?: string;
}

/** Options for the JSON logger: level, redaction, and request serialisation without secrets. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: SerializableRequest) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
      }),
    },
  };
}

/** The process logger: JSON lines on stdout, or on `destination` (tests). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
