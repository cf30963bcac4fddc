import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const HARNESS = fileURLToPath(new URL('../fixtures/serve-with-writes.ts', import.meta.url));
const CLIENTS = 16;

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  await database?.drop();
});

describe.each(DIALECTS)('SIGTERM under write load on $name', (dialect) => {
  it('exits 0 within 5 s and every acknowledged write is in the database', async () => {
    database = await dialect.create();
    server = await startServerProcess({ script: HARNESS, args: [], env: { DATABASE_URL: database.url } });
    const url = `${server.baseUrl}/test/writes`;
    const acknowledged: string[] = [];
    let refused = 0;
    let sent = 0;

    // Each client writes sequentially over keep-alive until the server stops answering.
    const client = async (n: number) => {
      for (let i = 0; i < 100_000; i++) {
        const id = `${n}-${i}`;
        sent++;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id }),
          });
          const body = await response.text();
          if (response.status === 200) acknowledged.push(JSON.parse(body).stored);
          else refused++;
          if (response.status === 503) return;
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const load = Array.from({ length: CLIENTS }, (_, n) => client(n));

    await new Promise((resolve) => setTimeout(resolve, 500));
    const ackedBeforeSignal = acknowledged.length;
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const exitMs = performance.now() - signalledAt;
    await Promise.all(load);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(5000);
    expect(ackedBeforeSignal).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(acknowledged.length);

    const store = openStore(database.url);
    try {
      const rows = await store.db
        .selectFrom('settings')
        .select('key')
        .where('key', 'like', 'write:%')
        .execute();
      const stored = new Set(rows.map((row) => row.key.slice('write:'.length)));
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      await store.close();
    }
    // Figures for the record (not assertions): how much load the shutdown met.
    process.stdout.write(
      `[shutdown ${dialect.name}] acknowledged=${acknowledged.length} refused=${refused} exit_ms=${exitMs.toFixed(0)}\n`,
    );
  });
});
