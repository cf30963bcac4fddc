export { type AppDeps, buildApp } from './app.ts';
export { toAppError } from './error-handler.ts';
export { batchedDestination, createLogger, loggerOptions, REDACTED_LOG_PATHS } from './logger.ts';
export { requestLogger } from './request-logger.ts';
export { redactUrl } from './redact-url.ts';
export { type RunningServer, StartupError, startServer } from './server.ts';
