import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';
import { TEST_DATABASE_URL } from '../helpers/services.ts';
import {
  type Answer,
  adminToken,
  faultEnv,
  integrityProblems,
  notACleanServerError,
  send,
} from './fault-helpers.ts';

const TMPFS_SIZE = '4m';
/** Writes pushed at a full disk at most, until one is refused. */
const MAX_WRITES_WHEN_FULL = 400;
// CI runs as root, where `mount -t tmpfs` works: there this suite must run, never skip.
const REQUIRED = Boolean(process.env.CI || TEST_DATABASE_URL);

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-disk-full-'));
let mountError: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
} catch (error) {
  mountError = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
  rmSync(dir, { recursive: true, force: true });
  if (!REQUIRED) process.stderr.write(`[gatehouse tests] disk-full suite not run: ${mountError}\n`);
}

const filler = join(dir, 'filler');
let server: ServerProcess | undefined;
let admin = '';

/** Writes zeros to `path` until the file system says it is full; returns the bytes written. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // Down to the last byte: a partial chunk may still fit.
  const tail = openSync(path, 'a');
  try {
    for (;;) written += writeSync(tail, Buffer.alloc(512));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(tail);
  }
  return written;
}

const createUser = (name: string): Promise<Answer> =>
  send(server!.baseUrl, 'POST', '/users', {
    bearer: admin,
    body: { username: name, email: `${name}@example.com`, description: 'x'.repeat(200) },
  });

describe.skipIf(mountError !== null && !REQUIRED)('SQLite on a full disk', { timeout: 60_000 }, () => {
  const acknowledged: string[] = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    if (mountError !== null)
      throw new Error(
        `The disk-full suite needs a small tmpfs (it runs as root: mount -t tmpfs -o size=${TMPFS_SIZE}), ` +
          `and CI (CI or TEST_DATABASE_URL set) must run it; mounting failed: ${mountError}`,
      );
    server = await startServerProcess({
      env: faultEnv(`sqlite:${join(dir, 'gatehouse.db')}`),
      readyTimeoutMs: 30_000,
    });
    admin = await adminToken(server.baseUrl);
    const before = await createUser('before');
    expect(before.status, before.text).toBe(201);
    acknowledged.push('before');
  }, 45_000);

  afterAll(async () => {
    await server?.stop();
    if (mountError !== null) return;
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      // Still busy (a process that outlived its test): detach it now, it goes when released.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers writes with a clean 5xx error of the catalogue, without a stack trace, and stays up', async () => {
    figures.fillerBytes = fillDisk(filler);
    const answers: Answer[] = [];
    for (let n = 0; n < MAX_WRITES_WHEN_FULL; n += 1) {
      const answer = await createUser(`full${n}`);
      answers.push(answer);
      if (answer.status === 201) acknowledged.push(`full${n}`);
      else if (answer.status >= 500) break;
    }
    figures.writesBeforeRefusal = acknowledged.length - 1;
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.length, 'no write was refused on a full disk').toBeGreaterThan(0);
    expect(refused.map(notACleanServerError)).toEqual(refused.map(() => null));
    // Further writes of other kinds are refused the same way.
    const more = [
      await createUser('fullagain'),
      await send(server!.baseUrl, 'POST', '/users/before/keys', { bearer: admin, body: { key_name: 'k' } }),
      await send(server!.baseUrl, 'PUT', '/auth/email/admin/users/admin@example.com', {
        bearer: admin,
        body: { full_name: 'Admin on a full disk' },
      }),
    ];
    expect(more.map(notACleanServerError)).toEqual(more.map(() => null));
    expect(server!.child.exitCode).toBeNull();
    expect((await send(server!.baseUrl, 'GET', '/health')).status).toBe(200);
  });

  it('accepts writes again once space is freed, without a restart', async () => {
    rmSync(filler);
    const freedAt = performance.now();
    let created: Answer | undefined;
    for (let n = 0; n < 50 && created?.status !== 201; n += 1) {
      created = await createUser(`freed${n}`);
      if (created.status !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
      else acknowledged.push(`freed${n}`);
    }
    figures.recoverMs = performance.now() - freedAt;
    expect(created?.status, created?.text).toBe(201);
    const key = await send(server!.baseUrl, 'POST', `/users/${acknowledged.at(-1)}/keys`, {
      bearer: admin,
      body: { key_name: 'after' },
    });
    expect(key.status, key.text).toBe(201);
    const me = await send(server!.baseUrl, 'GET', '/auth/email/me', { bearer: key.body!.api_key as string });
    expect(me.status).toBe(200);
  });

  it('leaves an intact database with every acknowledged write in it', async () => {
    const listed = await send(server!.baseUrl, 'GET', '/users', { bearer: admin });
    const names = new Set((listed.body!.users as { username: string }[]).map((u) => u.username));
    expect(acknowledged.filter((name) => !names.has(name))).toEqual([]);
    await server!.stop();
    expect(await integrityProblems(`sqlite:${join(dir, 'gatehouse.db')}`)).toEqual([]);
    process.stdout.write(
      `[disk-full] filler_bytes=${figures.fillerBytes} writes_acknowledged_after_full=${figures.writesBeforeRefusal} ` +
        `recover_ms=${figures.recoverMs?.toFixed(0)}\n`,
    );
  });
});
