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

// pino escapes the C0 controls but writes DEL, the C1 controls (NEL among them) and U+2028/U+2029
// raw: some log readers split lines on those, and terminals act on C1 escapes. Within a JSON string
// `\uXXXX` is the same character, and pino's own syntax uses none of them, so no value changes.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]/gu;

/** A serialised log line with DEL, C1 controls and U+2028/U+2029 written as JSON `\uXXXX` escapes. */
function escapeLogLine(line: string): string {
  return line.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface SerializableRequest {
  method: string;
  url: string;
  id: string;
  ip?: string;
}

/**
 * Options for the JSON logger: level, redaction, request serialisation without secrets, and one
 * line per entry whatever the logged text holds.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: escapeLogLine },
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

/**
 * A destination that writes lines in batches: a line waits until 4 KiB are pending or `flushMs` have
 * passed. What is pending is written synchronously when the process exits (pino registers that).
 */
export function batchedDestination(dest: number | string, flushMs: number): DestinationStream {
  return pino.destination({ dest, minLength: 4096, periodicFlush: flushMs, sync: false });
}

/** The process logger: JSON lines on stdout, or on `destination` (tests). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
