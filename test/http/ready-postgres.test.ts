import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { TEST_DATABASE_URL } from '../helpers/services.ts';
import { behindProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

async function readyStatus(t: TestApp): Promise<number> {
  return (await t.app.inject({ method: 'GET', url: '/ready' })).statusCode;
}

describe.skipIf(!TEST_DATABASE_URL)('GET /ready through a PostgreSQL outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await DIALECTS.find((d) => d.name === 'postgres')!.create();
    const relayed = await behindProxy(database.url, 5432);
    proxy = relayed.proxy;
    t = await testApp({ DATABASE_URL: relayed.url });
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 while PostgreSQL is unreachable and 200 once it is back, without a restart', async () => {
    expect(await readyStatus(t)).toBe(200);
    await proxy.cut();
    const down = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable' });
    // /health stays up: the process is alive even when its database is not.
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await proxy.restore();
    expect(await readyStatus(t)).toBe(200);
  });

  it('a query in flight when PostgreSQL goes away fails as a rejected promise, not a crash', async () => {
    const inFlight = sql`select pg_sleep(5)`.execute(t.store.db);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await proxy.cut();
    await expect(inFlight).rejects.toThrow(/terminated|ECONNRESET/);
    await proxy.restore();
    expect(await readyStatus(t)).toBe(200);
  });
});
