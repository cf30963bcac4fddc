import { afterEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { testApp } from '../helpers/app.ts';
import { addUser, asUser, tokenFor } from '../helpers/identity.ts';

const WEB = {
  name: 'web',
  transport: 'http',
  url: 'http://127.0.0.1:9/mcp',
  headers: { authorization: 'Bearer upstream-secret' },
};
const TOOL = {
  name: 'tool',
  transport: 'stdio',
  command: 'node',
  args: ['server.js'],
  env: { API_TOKEN: 'env-secret' },
};

describe.each(DIALECTS)('backends admin API on $name', (dialect) => {
  let t: TestApp;
  let database: TestDatabase;
  let admin: string;
  afterEach(async () => {
    await t.close();
    await database.drop();
  });
  async function start(env: Record<string, string> = {}) {
    t = await testApp({ DATABASE_URL: database.url, ...env });
    if (!(await t.store.users.findByEmail('root@example.com')))
      await addUser(t, { email: 'root@example.com', isAdmin: true });
    admin = await tokenFor(t.app, 'root@example.com');
  }

  it('adds, lists, reads, patches and deletes backends; secrets are write-only in every answer', async () => {
    database = await dialect.create();
    await start();
    const created = await asUser(t.app, admin, 'POST', '/backends', WEB);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'web',
      headers: { authorization: '********' },
      timeoutMs: 60000,
    });
    await asUser(t.app, admin, 'POST', '/backends', TOOL);
    const listed = await asUser(t.app, admin, 'GET', '/backends');
    expect(listed.json().backends.map((b: { name: string }) => b.name)).toEqual(['tool', 'web']);
    expect(listed.body).not.toContain('upstream-secret');
    expect(listed.body).not.toContain('env-secret');
    expect((await asUser(t.app, admin, 'GET', '/backends/tool')).json().env).toEqual({
      API_TOKEN: '********',
    });

    // Sending the mask back keeps the stored secret; other fields change.
    const patched = await asUser(t.app, admin, 'PATCH', '/backends/web', {
      timeoutMs: 5000,
      headers: { authorization: '********', 'x-extra': 'new' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await t.store.backends.find('web'))?.config).toMatchObject({
      timeoutMs: 5000,
      headers: { authorization: 'Bearer upstream-secret', 'x-extra': 'new' },
    });
    expect((await asUser(t.app, admin, 'DELETE', '/backends/web')).statusCode).toBe(204);
    expect((await asUser(t.app, admin, 'GET', '/backends/web')).statusCode).toBe(404);
    const events = (await t.store.authEvents.list({ limit: 20 })).map((e) => e.eventType);
    expect(events).toEqual(expect.arrayContaining(['backend_created', 'backend_updated', 'backend_deleted']));
    expect(JSON.stringify(await t.store.authEvents.list({ limit: 20 }))).not.toContain('secret');
  });

  it('applies changes to the running gateway at once', async () => {
    database = await dialect.create();
    await start();
    await asUser(t.app, admin, 'POST', '/backends', WEB);
    await t.gateway.settled();
    expect(t.gateway.backendNames()).toEqual(['web']);
    expect((await asUser(t.app, admin, 'GET', '/status')).json().backends).toMatchObject([{ name: 'web' }]);
    await asUser(t.app, admin, 'PATCH', '/backends/web', { enabled: false });
    await t.gateway.settled();
    expect(t.gateway.backendNames()).toEqual([]);
  });

  it('refuses bad input with every reason, a taken name with 409, a renamed backend, and non-admins', async () => {
    database = await dialect.create();
    await start();
    const bad = await asUser(t.app, admin, 'POST', '/backends', {
      name: 'Bad Name',
      transport: 'http',
      url: 'ftp://x',
      colour: 1,
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'url', 'colour']));
    await asUser(t.app, admin, 'POST', '/backends', WEB);
    expect((await asUser(t.app, admin, 'POST', '/backends', WEB)).json()).toMatchObject({
      error: 'backend_exists',
    });
    expect((await asUser(t.app, admin, 'PATCH', '/backends/web', { name: 'other' })).statusCode).toBe(400);
    expect(
      (
        await asUser(t.app, admin, 'POST', '/backends', {
          ...WEB,
          name: 'crlf',
          headers: { x: 'a\r\nInjected: 1' },
        })
      ).statusCode,
    ).toBe(400);
    await addUser(t, { email: 'user@example.com' });
    const user = await tokenFor(t.app, 'user@example.com');
    for (const [method, url] of [
      ['GET', '/backends'],
      ['POST', '/backends'],
      ['GET', '/backends/web'],
      ['PATCH', '/backends/web'],
      ['DELETE', '/backends/web'],
      ['GET', '/status'],
    ] as const) {
      expect(
        (await asUser(t.app, user, method, url, method === 'GET' ? undefined : {})).statusCode,
        url,
      ).toBe(403);
      expect((await t.app.inject({ method, url })).statusCode, url).toBe(401);
    }
  });

  it('writes GATEWAY_BACKENDS to the database at start; the configuration wins at the next start', async () => {
    database = await dialect.create();
    const env = { GATEWAY_BACKENDS: JSON.stringify([WEB]) };
    await start(env);
    expect((await asUser(t.app, admin, 'GET', '/backends/web')).json()).toMatchObject({ url: WEB.url });
    await asUser(t.app, admin, 'PATCH', '/backends/web', { timeoutMs: 1234 });
    await t.close();
    await start(env);
    expect((await t.store.backends.find('web'))?.config).toMatchObject({ timeoutMs: 60000 });
    expect(t.gateway.backendNames()).toEqual(['web']);
  });
});
