import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess | undefined;
let cwd: string | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (cwd) rmSync(cwd, { recursive: true, force: true });
  cwd = undefined;
  await database?.drop();
  database = undefined;
});

describe('gatehouse serve with no settings (what `npm start` runs)', () => {
  it('answers /health with {"status":"ok"} within 5 s and leaves a migrated ./data/gatehouse.db', async () => {
    cwd = mkdtempSync(join(tmpdir(), 'gatehouse-fresh-'));
    server = await startServerProcess({ cwd, args: [] });
    expect(server.startupMs).toBeLessThan(5000);
    const health = await fetch(`${server.baseUrl}/health`);
    expect(await health.text()).toBe('{"status":"ok"}');
    expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);

    const file = join(cwd, 'data', 'gatehouse.db');
    expect(existsSync(file)).toBe(true);
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      const tables = db
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .all()
        .map((row) => (row as { name: string }).name);
      expect(tables).toEqual(
        expect.arrayContaining(['auth_events', 'email_users', 'kysely_migration', 'settings']),
      );
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('exits 0 on SIGTERM when idle', async () => {
    cwd = mkdtempSync(join(tmpdir(), 'gatehouse-fresh-'));
    server = await startServerProcess({ cwd });
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    cwd = mkdtempSync(join(tmpdir(), 'gatehouse-fresh-'));
    server = await startServerProcess({ cwd });
    const port = new URL(server.baseUrl).port;
    const { runCli } = await import('../helpers/cli.ts');
    const second = await runCli(['serve'], { cwd, env: { PORT: port, DATABASE_URL: 'sqlite::memory:' } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`gatehouse: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(DIALECTS)('gatehouse serve on $name', (dialect) => {
  it('serves /health and /ready and migrates the database', async () => {
    database = await dialect.create();
    server = await startServerProcess({ env: { DATABASE_URL: database.url } });
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${server.baseUrl}/ready`)).json()).toEqual({ status: 'ready' });
    const store = openStore(database.url);
    try {
      expect((await store.migrationStatus()).every((m) => m.executedAt)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
