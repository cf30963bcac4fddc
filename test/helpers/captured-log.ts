import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/http/index.ts';

/** One JSON log line as pino writes it. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** The process logger at `level`, writing into memory: its text so far, and that text's lines. */
export function capturedLogger(level = 'info'): { logger: Logger; text(): string; lines(): LogLine[] } {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(level, sink),
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
  };
}
