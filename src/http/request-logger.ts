import type { FastifyBaseLogger } from 'fastify';
import { type Bindings, type ChildLoggerOptions, type LogFn, levels } from 'pino';

type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A level's rank (pino's standard levels; `silent` is Infinity); undefined for any other name. */
const rank = (level: string): number | undefined => levels.values[level];

/**
 * A request's logger that makes its pino child (the request id bound, the bindings run through
 * redaction) only when it first writes a line. The MCP routes log at `warn`, so most of their
 * requests write nothing and never pay for a child. Everything it writes goes through the child,
 * with the process logger's redaction and serialisers.
 */
class RequestLogger implements FastifyBaseLogger {
  #parent: FastifyBaseLogger;
  #bindings: Bindings;
  #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  #write(method: Method, args: unknown[]): void {
    const wanted = rank(method);
    const threshold = rank(this.level);
    // A level pino's standard set does not know is left to the child to judge.
    if (wanted !== undefined && threshold !== undefined && wanted < threshold) return;
    this.#logger[method](...(args as Parameters<LogFn>));
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.#write('error', args);
  }

  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }

  info(...args: unknown[]): void {
    this.#write('info', args);
  }

  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`: each request's logger, its pino child made on its first line
 * (see RequestLogger).
 */
export function requestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(parent, bindings, options);
}
