import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.ts';
import { HashingOverloadedError } from '../identity/index.ts';

const FASTIFY_CODES: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('payload_too_large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('unsupported_media_type'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('invalid_json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('invalid_json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new AppError('bad_request'),
  FST_ERR_BAD_URL: () => new AppError('bad_request'),
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('bad_request'),
  FST_ERR_NOT_FOUND: () => new AppError('not_found'),
};

// The database refused, dropped or did not hand out a connection in time: a request that needs it
// fails closed with 503 and Retry-After rather than a bare 500 (pg's codes: admin shutdown, starting up).
const DATABASE_UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
]);
const DATABASE_UNREACHABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect)/;
const DATABASE_RETRY_AFTER_SECONDS = '5';

function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && DATABASE_UNREACHABLE_CODES.has(code)) ||
    DATABASE_UNREACHABLE_MESSAGE.test(error.message)
  );
}

/** Maps any thrown value to a public AppError; anything unexpected becomes internal_error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HashingOverloadedError) {
    return new AppError('service_unavailable', {
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    });
  }
  if (isDatabaseUnreachable(error)) {
    return new AppError('service_unavailable', { headers: { 'retry-after': DATABASE_RETRY_AFTER_SECONDS } });
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    const details = fastifyError.validation.map((issue) => ({
      field: issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || fastifyError.validationContext,
      message: issue.message,
    }));
    return new AppError('validation_failed', { details: { details } });
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return mapped();
  // Node's JSON.parse inside a body parser, or another 4xx from a plugin: malformed, but no detail leaks.
  if (error instanceof SyntaxError) return new AppError('invalid_json');
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError('bad_request');
  return new AppError('internal_error');
}

function send(error: AppError, reply: FastifyReply): FastifyReply {
  return reply.status(error.status).headers(error.headers).type('application/json').send(error.toBody());
}

/**
 * Installs the JSON error and not-found handlers. Stack traces and causes go to the log only. A
 * path that exists for other methods (`methodsOf`) answers 405 with `Allow` instead of 404.
 */
export function installErrorHandlers(
  app: FastifyInstance,
  methodsOf: (path: string) => readonly string[] = () => [],
): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    return send(appError, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    const allowed = methodsOf(request.url);
    if (allowed.length === 0) return send(new AppError('not_found'), reply);
    return send(new AppError('method_not_allowed', { headers: { allow: allowed.join(', ') } }), reply);
  });
}

/** Fastify's `frameworkErrors` option: errors raised before routing (bad URL) get the same JSON shape. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ code: error.code }, 'request refused before routing');
  send(toAppError(error), reply);
}
