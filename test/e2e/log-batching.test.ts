import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runScript } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const LOGGER = fileURLToPath(new URL('../../src/http/logger.ts', import.meta.url));

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  await database?.drop();
  server = undefined;
  database = undefined;
});

async function startWithBuffer(bufferMs: string): Promise<ServerProcess> {
  database = await DIALECTS[0]!.create();
  return startServerProcess({
    env: { DATABASE_URL: database.url, LOG_LEVEL: 'info', LOG_BUFFER_MS: bufferMs },
  });
}

async function failLogin(baseUrl: string, email: string): Promise<void> {
  const response = await fetch(`${baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'not the password at all' }),
  });
  expect(response.status).toBe(401);
}

async function eventually(condition: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe('gatehouse serve writes its log in batches (LOG_BUFFER_MS)', () => {
  it('keeps a line in memory until the interval passes, and a stop (SIGTERM) writes what is pending', async () => {
    server = await startWithBuffer('10000');
    await failLogin(server.baseUrl, 'pending-line@example.com');
    // Well under 4 KiB are pending and the interval is 10 s: nothing of it is written yet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.output()).not.toContain('pending-line@example.com');

    await server.stop();
    expect((await server.exited).code).toBe(0);
    const lines = server.output().trim().split('\n');
    expect(
      lines.some((line) => line.includes('"login_failed"') && line.includes('pending-line@example.com')),
    ).toBe(true);
    // Every line is whole JSON: batching never splits or merges lines.
    for (const line of lines.filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('writes a pending line once the interval has passed, while the server keeps running', async () => {
    server = await startWithBuffer('200');
    await failLogin(server.baseUrl, 'interval-line@example.com');
    expect(await eventually(() => server!.output().includes('interval-line@example.com'), 5000)).toBe(true);
    expect(server.child.exitCode).toBeNull();
  });

  it('with LOG_BUFFER_MS=0 writes every line as it is logged', async () => {
    server = await startWithBuffer('0');
    await failLogin(server.baseUrl, 'at-once@example.com');
    // No interval to wait for: the line is on its way before the answer is read.
    expect(await eventually(() => server!.output().includes('at-once@example.com'), 1000)).toBe(true);
  });

  it('writes what is pending when the process dies of an uncaught exception', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-log-batching-'));
    try {
      const file = join(dir, 'log.jsonl');
      const script = join(dir, 'crash.ts');
      const source = [
        `import { batchedDestination, createLogger } from ${JSON.stringify(LOGGER)};`,
        `const logger = createLogger('info', batchedDestination(${JSON.stringify(file)}, 10_000));`,
        `for (let i = 0; i < 3; i++) logger.info({ n: i }, 'before the crash');`,
        `setTimeout(() => { throw new Error('the crash'); }, 10);`,
      ].join('\n');
      writeFileSync(script, source);
      const result = await runScript(script);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('the crash');
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { n: number }).n)).toEqual([0, 1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
