import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { adminUiRoutes } from '../../src/http/routes/admin-ui.ts';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, GOOD_PASSWORD, identityApp } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ORIGIN = 'http://127.0.0.1:4444';

/** Logs in through POST /auth/session; returns the cookie pair and the CSRF token. */
async function browserLogin(app: TestApp['app'], email: string, password = GOOD_PASSWORD) {
  const response = await app.inject({ method: 'POST', url: '/auth/session', payload: { email, password } });
  const setCookie = String(response.headers['set-cookie'] ?? '');
  return {
    response,
    setCookie,
    cookie: setCookie.split(';')[0] ?? '',
    csrf: response.json().csrf_token as string,
  };
}

describe.each(DIALECTS)('the admin UI session cookie on $name', (dialect) => {
  it('is HttpOnly, SameSite=Strict, Path=/ and not Secure on plain-HTTP localhost; it authenticates reads', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'ann@example.com', isAdmin: true });
    const { response, setCookie, cookie, csrf } = await browserLogin(t.app, 'ann@example.com');
    expect(response.statusCode).toBe(200);
    expect(response.json().user.email).toBe('ann@example.com');
    expect(csrf).toEqual(expect.any(String));
    expect(setCookie).toMatch(/^gatehouse_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const me = await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      user: { email: 'ann@example.com' },
      csrf_token: csrf,
      password_change_required: false,
    });
    const users = await t.app.inject({ method: 'GET', url: '/auth/email/admin/users', headers: { cookie } });
    expect(users.statusCode).toBe(200);
  });

  it('is __Host- prefixed and Secure when PUBLIC_BASE_URL is https', async () => {
    t = await identityApp(dialect, { PUBLIC_BASE_URL: 'https://gatehouse.example.com' });
    await addUser(t, { email: 'ann@example.com' });
    const { setCookie } = await browserLogin(t.app, 'ann@example.com');
    expect(setCookie).toMatch(
      /^__Host-gatehouse_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
    );
    expect(setCookie).not.toContain('Domain');
  });

  it('refuses a state change without the CSRF token, with a wrong one, or from another site', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'ann@example.com', isAdmin: true });
    const { cookie, csrf } = await browserLogin(t.app, 'ann@example.com');
    const create = (headers: Record<string, string>) =>
      t!.app.inject({
        method: 'POST',
        url: '/auth/email/admin/users',
        headers: { cookie, ...headers },
        payload: { email: 'new@example.com', password: GOOD_PASSWORD },
      });
    const attempts: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'forged' },
      { 'x-csrf-token': csrf, origin: 'https://evil.example' },
      { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of attempts) {
      const refused = await create(headers);
      expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
      expect(refused.json()).toEqual({ error: 'forbidden', message: 'Missing or invalid CSRF token' });
    }
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/auth/email/admin/users/new@example.com',
          headers: { cookie },
        })
      ).statusCode,
    ).toBe(404);
    expect((await create({ 'x-csrf-token': csrf, origin: ORIGIN })).statusCode).toBe(201);
    // The origin the browser used to reach Gatehouse (its Host) counts as same-origin too.
    const viaAlias = await t.app.inject({
      method: 'POST',
      url: '/auth/email/admin/users',
      headers: { cookie, 'x-csrf-token': csrf, host: 'localhost:4444', origin: 'http://localhost:4444' },
      payload: { email: 'alias@example.com', password: GOOD_PASSWORD },
    });
    expect(viaAlias.statusCode).toBe(201);
  });

  it('is never accepted on the MCP endpoints', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'ann@example.com' });
    const { cookie } = await browserLogin(t.app, 'ann@example.com');
    const response = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: { cookie, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(401);
  });

  it('logout revokes the session: replaying the old cookie is refused', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'ann@example.com' });
    const { cookie, csrf } = await browserLogin(t.app, 'ann@example.com');
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/auth/session',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^gatehouse_session=; .*Max-Age=0/);
    expect(
      (await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('a forced password change gets a limited cookie that only change-password accepts, then a full session', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'fay@example.com', passwordChangeRequired: true });
    const { response, cookie, csrf } = await browserLogin(t.app, 'fay@example.com');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'password_change_required', csrf_token: csrf });
    expect(
      (await t.app.inject({ method: 'GET', url: '/auth/email/me', headers: { cookie } })).statusCode,
    ).toBe(401);
    const session = await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } });
    expect(session.json().password_change_required).toBe(true);
    const changed = await t.app.inject({
      method: 'POST',
      url: '/auth/email/change-password',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { old_password: GOOD_PASSWORD, new_password: 'a new browser passphrase 5' },
    });
    expect(changed.statusCode).toBe(200);
    const fresh = String(changed.headers['set-cookie']).split(';')[0]!;
    expect(changed.json().csrf_token).toEqual(expect.any(String));
    expect(
      (await t.app.inject({ method: 'GET', url: '/auth/email/me', headers: { cookie: fresh } })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('answers wrong credentials with the generic 401', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'ann@example.com' });
    const { response } = await browserLogin(t.app, 'ann@example.com', 'wrong password here!');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: 'Unauthorized' });
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('the admin UI files', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const serve = async () => {
    root = mkdtempSync(join(tmpdir(), 'gatehouse-ui-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'gatehouse-secret.txt'), 'outside');
    const app = Fastify();
    await app.register(adminUiRoutes, { root });
    return app;
  };

  it('serves index.html for app routes, strictly: no inline script, never framed, not cached', async () => {
    const app = await serve();
    for (const url of ['/admin', '/admin/users', '/admin/users/a@example.com']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('<div id="app">');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('serves hashed assets with long caching, 404s missing ones, and never leaves its folder', async () => {
    const app = await serve();
    const asset = await app.inject({ url: '/admin/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/admin/assets/old-000.js' })).statusCode).toBe(404);
    for (const url of [
      '/admin/../gatehouse-secret.txt',
      '/admin/%2e%2e/gatehouse-secret.txt',
      '/admin/..%2fgatehouse-secret.txt',
    ]) {
      const response = await app.inject({ url });
      expect(response.body, url).not.toContain('outside');
    }
  });

  it('redirects /dashboard to /admin', async () => {
    const app = await serve();
    const response = await app.inject({ url: '/dashboard' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/admin');
  });
});
