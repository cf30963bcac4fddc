import { describe, expect, it } from 'vitest';
import { requestLogger } from '../../src/http/index.ts';
import { capturedLogger } from '../helpers/captured-log.ts';

describe('a request logger', () => {
  it('writes nothing below its level, and makes no pino child for it', () => {
    const { logger, lines } = capturedLogger('info');
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof logger.child>) => {
      children += 1;
      return child(...args);
    }) as typeof logger.child;
    const log = requestLogger(logger, { reqId: 'r1' }, { level: 'warn' });
    log.info({ req: { method: 'POST' } }, 'incoming request');
    log.debug('quiet');
    expect(lines()).toEqual([]);
    expect(children).toBe(0);
  });

  it('writes at and above its level with the request id bound', () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r2' }, { level: 'warn' });
    log.warn('slow');
    log.error({ code: 'internal' }, 'request failed');
    expect(lines().map((line) => [line.level, line.reqId, line.msg])).toEqual([
      [40, 'r2', 'slow'],
      [50, 'r2', 'request failed'],
    ]);
    expect(lines()[1]!.code).toBe('internal');
  });

  it("takes the process logger's level when the route sets none", () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r3' }, {});
    expect(log.level).toBe('info');
    log.info('incoming request');
    log.debug('quiet');
    expect(lines().map((line) => [line.msg, line.reqId])).toEqual([['incoming request', 'r3']]);
  });

  it('reports its level, and a changed level takes effect', () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r4' }, { level: 'warn' });
    expect(log.level).toBe('warn');
    log.level = 'debug';
    log.debug('now heard');
    expect(lines().map((line) => line.msg)).toEqual(['now heard']);
  });

  it('redacts secrets in what it writes, as the process logger does', () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r5' }, {});
    log.info({ body: { password: 'SECRET1', token: 'SECRET2' }, key: { api_key: 'SECRET3' } }, 'seen');
    const text = JSON.stringify(lines());
    expect(text).not.toContain('SECRET1');
    expect(text).not.toContain('SECRET2');
    expect(text).not.toContain('SECRET3');
    expect(text).toContain('[redacted]');
    expect(lines()[0]!.reqId).toBe('r5');
  });

  it('gives children that keep the request id and add their own bindings', () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r6' }, { level: 'warn' });
    log.child({ session: 's1' }).warn('from the child');
    expect(lines().map((line) => [line.reqId, line.session, line.msg])).toEqual([
      ['r6', 's1', 'from the child'],
    ]);
  });

  it('writes nothing at all when silent', () => {
    const { logger, lines } = capturedLogger('info');
    const log = requestLogger(logger, { reqId: 'r7' }, { level: 'silent' });
    log.fatal('never');
    log.error('never');
    expect(lines()).toEqual([]);
  });
});
