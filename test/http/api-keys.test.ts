import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  canUseBackend,
  OPEN_POLICY,
  purgeExpiredApiKeys,
} from '../../src/identity/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { addUser, asUser, identityApp, tokenFor } from '../helpers/identity.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function newKey(app: TestApp, session: string, body: Record<string, unknown> = { name: 'laptop' }) {
  const response = await asUser(app.app, session, 'POST', '/auth/keys', body);
  if (response.statusCode !== 201) throw new Error(`${response.statusCode} ${response.body}`);
  return response.json() as { api_key: string; key: { id: string; prefix: string }; note: string };
}

describe.each(DIALECTS)('API keys on $name', (dialect) => {
  it('shows the key once; only its SHA-256 and a short prefix are stored; listing never shows it', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    const created = await newKey(t, session);
    expect(created.api_key).toMatch(/^mcpgw_[A-Za-z0-9_-]{43}$/);
    expect(created.note).toBe('Save this key immediately — it will not be shown again');
    expect(created.key.prefix).toBe(created.api_key.slice(0, 12));

    const listed = await asUser(t.app, session, 'GET', '/auth/keys');
    expect(listed.body).not.toContain(created.api_key);
    expect(listed.body).not.toContain(sha256(created.api_key));
    expect(listed.json().keys[0]).toMatchObject({
      id: created.key.id,
      name: 'laptop',
      prefix: created.key.prefix,
    });

    const row = await t.store.apiTokens.findById(created.key.id);
    expect(row?.tokenHash).toBe(sha256(created.api_key));
    expect(JSON.stringify(row)).not.toContain(created.api_key);
  });

  it('authenticates with the key as a bearer, and refuses it in a query string', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const { api_key: key } = await newKey(t, await tokenFor(t.app, 'alice@example.com'));
    expect((await asUser(t.app, key, 'GET', '/auth/email/me')).json().email).toBe('alice@example.com');
    expect((await t.app.inject({ method: 'GET', url: `/auth/email/me?api_key=${key}` })).statusCode).toBe(
      401,
    );
    const both = await t.app.inject({
      method: 'GET',
      url: `/auth/email/me?access_token=${key}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(both.statusCode).toBe(401);
  });

  it('is refused from the exact instant it expires', async () => {
    let now = Date.parse('2026-11-22T12:00:00.000Z');
    t = await identityApp(dialect, {}, { now: () => new Date(now) });
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    const expiresAt = '2026-11-22T13:00:00.000Z';
    const { api_key: key } = await newKey(t, session, { name: 'short', expires_at: expiresAt });
    now = Date.parse(expiresAt) - 1;
    expect((await asUser(t.app, key, 'GET', '/auth/email/me')).statusCode).toBe(200);
    now = Date.parse(expiresAt);
    expect((await asUser(t.app, key, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('a revoked key fails on the very next request, though it was cached', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    const created = await newKey(t, session);
    expect((await asUser(t.app, created.api_key, 'GET', '/auth/email/me')).statusCode).toBe(200);
    expect(t.identity.keyCache.size).toBe(1);
    expect((await asUser(t.app, session, 'DELETE', `/auth/keys/${created.key.id}`)).json()).toEqual({
      status: 'revoked',
    });
    expect((await asUser(t.app, created.api_key, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('audits a revocation and an expiry cleanup under the key owner’s e-mail, so filtering events by user shows them', async () => {
    let now = Date.parse('2026-11-22T12:00:00.000Z');
    t = await identityApp(dialect, {}, { now: () => new Date(now) });
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    const revoked = await newKey(t, session, { name: 'revoked' });
    await newKey(t, session, { name: 'day', ttl_days: 1 });
    await asUser(t.app, session, 'DELETE', `/auth/keys/${revoked.key.id}`);
    now += 2 * 86_400_000;
    expect(await purgeExpiredApiKeys(t.identity)).toBe(1);
    const types = (await t.store.authEvents.list({ limit: 10, userEmail: 'alice@example.com' })).map(
      (e) => e.eventType,
    );
    expect(types).toContain('api_key_revoked');
    expect(types).toContain('api_key_expired_removed');
  });

  it('disabling or deleting the user fails the key on the very next request, though it was cached', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    await addUser(t, { email: 'carol@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    const bob = (await newKey(t, await tokenFor(t.app, 'bob@example.com'))).api_key;
    const carol = (await newKey(t, await tokenFor(t.app, 'carol@example.com'))).api_key;
    for (const key of [bob, carol])
      expect((await asUser(t.app, key, 'GET', '/auth/email/me')).statusCode).toBe(200);
    await asUser(t.app, admin, 'PATCH', '/auth/email/admin/users/bob@example.com', { is_active: false });
    await asUser(t.app, admin, 'DELETE', '/auth/email/admin/users/carol@example.com');
    expect((await asUser(t.app, bob, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, carol, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('a key scope narrows the user’s access and can never widen it', async () => {
    t = await identityApp(dialect);
    const user = await addUser(t, { email: 'alice@example.com' });
    await t.store.users.update(
      user.id,
      { allowedMcps: ['erpnext', 'wave'], blockedMcps: ['truenas'] },
      new Date(),
    );
    const session = await tokenFor(t.app, 'alice@example.com');
    const { api_key: key } = await newKey(t, session, {
      name: 'scoped',
      scope: { allowed_mcps: ['wave', 'truenas', 'home-assistant'] },
    });
    const caller = await authenticateApiKey(t.identity, key);
    if (!caller || 'rejected' in caller) throw new Error('key refused');
    const stored = (await t.store.users.findById(user.id))!;
    const policies = [
      { ...OPEN_POLICY, allowedMcps: stored.allowedMcps, blockedMcps: stored.blockedMcps },
      caller.apiKey!.scope!,
    ];
    expect(canUseBackend(policies, 'wave')).toBe(true);
    expect(canUseBackend(policies, 'erpnext')).toBe(false); // narrowed away by the key
    expect(canUseBackend(policies, 'truenas')).toBe(false); // the user's block wins
    expect(canUseBackend(policies, 'home-assistant')).toBe(false); // the key cannot widen
  });

  it('refuses a key whose stored scope no longer parses, instead of widening it to the user’s access', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const created = await newKey(t, await tokenFor(t.app, 'alice@example.com'), {
      name: 's',
      scope: { allowed_mcps: ['wave'] },
    });
    const { sql } = await import('kysely');
    await sql`update api_tokens set scopes = ${'{"allowedMcps": "not a list"}'} where id = ${created.key.id}`.execute(
      t.store.db,
    );
    t.identity.keyCache.clear();
    expect((await asUser(t.app, created.api_key, 'GET', '/auth/email/me')).statusCode).toBe(401);
  });

  it('opens admin routes only for an admin key of an admin user', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    await addUser(t, { email: 'bob@example.com' });
    const admin = await tokenFor(t.app, 'admin@example.com');
    const plain = (await newKey(t, admin, { name: 'plain' })).api_key;
    const adminKey = (await newKey(t, admin, { name: 'ops', admin: true })).api_key;
    expect((await asUser(t.app, plain, 'GET', '/auth/email/admin/users')).statusCode).toBe(403);
    expect((await asUser(t.app, adminKey, 'GET', '/auth/email/admin/users')).statusCode).toBe(200);
    const bob = await tokenFor(t.app, 'bob@example.com');
    const refused = await asUser(t.app, bob, 'POST', '/auth/keys', { name: 'sneaky', admin: true });
    expect(refused.statusCode).toBe(403);
  });

  it('cannot manage keys with a key: only a login session can', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const { api_key: key } = await newKey(t, await tokenFor(t.app, 'alice@example.com'));
    expect((await asUser(t.app, key, 'POST', '/auth/keys', { name: 'more' })).statusCode).toBe(403);
    expect((await asUser(t.app, key, 'GET', '/auth/keys')).statusCode).toBe(403);
  });

  it('writes last_used_at in batches, not per request', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const created = await newKey(t, await tokenFor(t.app, 'alice@example.com'));
    for (let i = 0; i < 3; i++) await asUser(t.app, created.api_key, 'GET', '/auth/email/me');
    expect((await t.store.apiTokens.findById(created.key.id))?.lastUsedAt).toBeNull();
    await t.identity.keyUsage.flush();
    expect((await t.store.apiTokens.findById(created.key.id))?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('the cleanup job deletes expired keys and audits each', async () => {
    let now = Date.parse('2026-11-22T12:00:00.000Z');
    t = await identityApp(dialect, {}, { now: () => new Date(now) });
    await addUser(t, { email: 'alice@example.com' });
    const session = await tokenFor(t.app, 'alice@example.com');
    await newKey(t, session, { name: 'day', ttl_days: 1 });
    await newKey(t, session, { name: 'forever' });
    now += 2 * 86_400_000;
    expect(await purgeExpiredApiKeys(t.identity)).toBe(1);
    const names = (
      await t.store.apiTokens.listForUser((await t.store.users.findByEmail('alice@example.com'))!.id)
    ).map((k) => k.name);
    expect(names).toEqual(['forever']);
    expect(await t.store.authEvents.list({ limit: 5, eventType: 'api_key_expired_removed' })).toHaveLength(1);
  });

  it('GATEWAY_STATIC_API_KEY acts as its service user, never as an admin', async () => {
    const staticKey = 's'.repeat(40);
    t = await identityApp(dialect, {
      GATEWAY_STATIC_API_KEY: staticKey,
      GATEWAY_STATIC_API_KEY_USER: 'svc@example.com',
    });
    await addUser(t, { email: 'svc@example.com', isAdmin: true });
    expect((await asUser(t.app, staticKey, 'GET', '/auth/email/me')).json().email).toBe('svc@example.com');
    expect((await asUser(t.app, `${staticKey}x`, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, staticKey, 'GET', '/auth/email/admin/users')).statusCode).toBe(403);
  });
});

describe.each(DIALECTS)('gateway-proxy user routes on $name', (dialect) => {
  const routes = [
    ['POST', '/users', { username: 'x', email: 'x@example.com' }],
    ['GET', '/users', undefined],
    ['GET', '/users/alice@example.com', undefined],
    ['DELETE', '/users/alice@example.com', undefined],
    ['PATCH', '/users/alice@example.com/enable', { enabled: false }],
    ['POST', '/users/alice@example.com/keys', { key_name: 'k' }],
    ['GET', '/users/alice@example.com/keys', undefined],
    ['PUT', '/users/alice@example.com/mcp-access', { allowed_mcps: [] }],
    ['POST', '/keys/revoke', { key_id: 'x' }],
  ] as const;

  it('refuse anonymous callers with 401 and non-admins with 403, on every route', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'alice@example.com' });
    const alice = await tokenFor(t.app, 'alice@example.com');
    for (const [method, url, payload] of routes) {
      expect(
        (await t.app.inject({ method, url, payload: payload as never })).statusCode,
        `${method} ${url}`,
      ).toBe(401);
      expect((await asUser(t.app, alice, method, url, payload)).statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it('create a user and a key, set MCP access, disable, and revoke, as the reference describes', async () => {
    t = await identityApp(dialect);
    await addUser(t, { email: 'admin@example.com', isAdmin: true });
    const admin = await tokenFor(t.app, 'admin@example.com');
    const created = await asUser(t.app, admin, 'POST', '/users', {
      username: 'erp-bot',
      email: 'erp@example.com',
      description: 'ERPNext agent',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      username: 'erp-bot',
      email: 'erp@example.com',
      description: 'ERPNext agent',
      enabled: true,
    });

    const key = await asUser(t.app, admin, 'POST', '/users/erp-bot/keys', { key_name: 'prod', ttl_days: 30 });
    expect(key.statusCode).toBe(201);
    const body = key.json();
    expect(body).toEqual({
      status: 'created',
      username: 'erp-bot',
      api_key: expect.stringMatching(/^mcpgw_/),
      note: 'Save this key immediately — it will not be shown again',
    });
    expect((await asUser(t.app, body.api_key, 'GET', '/auth/email/me')).json().username).toBe('erp-bot');
    const keys = (await asUser(t.app, admin, 'GET', '/users/erp-bot/keys')).json();
    expect(keys.keys).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(body.api_key);

    const access = await asUser(t.app, admin, 'PUT', '/users/erp-bot/mcp-access', {
      allowed_mcps: ['erpnext'],
      blocked_mcps: ['truenas'],
    });
    expect(access.json()).toMatchObject({ allowed_mcps: ['erpnext'], blocked_mcps: ['truenas'] });

    await asUser(t.app, admin, 'PATCH', '/users/erp-bot/enable', { enabled: false });
    expect((await asUser(t.app, body.api_key, 'GET', '/auth/email/me')).statusCode).toBe(401);
    await asUser(t.app, admin, 'PATCH', '/users/erp-bot/enable', { enabled: true });
    expect((await asUser(t.app, body.api_key, 'GET', '/auth/email/me')).statusCode).toBe(200);

    const revoked = await asUser(t.app, admin, 'POST', '/keys/revoke', { api_key: body.api_key });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    expect((await asUser(t.app, body.api_key, 'GET', '/auth/email/me')).statusCode).toBe(401);
    expect((await asUser(t.app, admin, 'DELETE', '/users/erp-bot')).json()).toEqual({
      status: 'deleted',
      username: 'erp-bot',
    });
  });
});
