import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewUserRecord, openStore, type Store } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const user = (n: number, extra: Partial<NewUserRecord> = {}): NewUserRecord => ({
  id: `id-${n}`,
  email: `user${n}@example.com`,
  username: `user${n}`,
  passwordHash: `hash-${n}`,
  ...extra,
});

describe.each(DIALECTS)('users repository on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await dialect.create();
    store = openStore(database.url);
    expect((await store.migrate()).error).toBeUndefined();
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('creates a user with defaults and finds it by id, email and username', async () => {
    const created = await store.users.create(user(1, { fullName: 'User One' }), NOW);
    expect(created).toEqual({
      id: 'id-1',
      email: 'user1@example.com',
      username: 'user1',
      fullName: 'User One',
      passwordHash: 'hash-1',
      isAdmin: false,
      isActive: true,
      emailVerifiedAt: null,
      passwordChangeRequired: false,
      passwordChangedAt: NOW,
      failedLoginAttempts: 0,
      lockedUntil: null,
      tokensValidAfter: null,
      lastLogin: null,
      createdAt: NOW,
      updatedAt: NOW,
      allowedMcps: [],
      blockedMcps: [],
      toolRules: [],
      source: 'database',
    });
    expect(await store.users.findById('id-1')).toEqual(created);
    expect(await store.users.findByEmail('user1@example.com')).toEqual(created);
    expect(await store.users.findByUsername('user1')).toEqual(created);
    expect(await store.users.findByEmail('nobody@example.com')).toBeNull();
  });

  it('records where a user is defined and lists users by source', async () => {
    await store.users.create(user(1), NOW);
    await store.users.create({ ...user(2), source: 'file' }, NOW);
    expect((await store.users.findById('id-2'))?.source).toBe('file');
    expect((await store.users.listBySource('file')).map((u) => u.id)).toEqual(['id-2']);
    expect((await store.users.listBySource('database')).map((u) => u.id)).toEqual(['id-1']);
  });

  it('returns null instead of throwing when the email or username is taken', async () => {
    await store.users.create(user(1), NOW);
    expect(await store.users.create(user(2, { email: 'user1@example.com' }), NOW)).toBeNull();
    expect(await store.users.create(user(3, { username: 'user1' }), NOW)).toBeNull();
  });

  it('treats SQL-injection text in email and username as literals', async () => {
    const hostile = "x' OR '1'='1";
    await store.users.create(user(1), NOW);
    expect(await store.users.findByEmail(hostile)).toBeNull();
    expect(await store.users.findByUsername(`${hostile}; DROP TABLE email_users; --`)).toBeNull();
    const created = await store.users.create(user(2, { email: `${hostile}@x.io`, username: hostile }), NOW);
    expect((await store.users.findByUsername(hostile))?.id).toBe(created?.id);
    expect(await store.users.countActiveAdmins()).toBe(0);
  });

  it('updates only the given fields and round-trips booleans and timestamps', async () => {
    await store.users.create(user(1), NOW);
    const later = new Date(NOW.getTime() + 1234);
    const updated = await store.users.update(
      'id-1',
      {
        isAdmin: true,
        passwordChangeRequired: true,
        lockedUntil: later,
        tokensValidAfter: later,
        fullName: 'N',
      },
      later,
    );
    expect(updated).toMatchObject({
      isAdmin: true,
      isActive: true,
      passwordChangeRequired: true,
      lockedUntil: later,
      tokensValidAfter: later,
      fullName: 'N',
      passwordHash: 'hash-1',
      updatedAt: later,
    });
    expect(await store.users.update('missing', { isAdmin: true }, later)).toBeNull();
  });

  it('lists users by email with a keyset cursor', async () => {
    for (const n of [3, 1, 2]) await store.users.create(user(n), NOW);
    const first = await store.users.list({ limit: 2 });
    expect(first.map((u) => u.email)).toEqual(['user1@example.com', 'user2@example.com']);
    const next = await store.users.list({ limit: 2, afterEmail: first.at(-1)!.email });
    expect(next.map((u) => u.email)).toEqual(['user3@example.com']);
  });

  it('stores and reads back the access-policy fields', async () => {
    await store.users.create(user(1), NOW);
    const updated = await store.users.update(
      'id-1',
      {
        allowedMcps: ['erpnext', 'wave'],
        blockedMcps: ['truenas'],
        toolRules: [{ backend: '*', deny: ['delete_*'] }],
      },
      NOW,
    );
    expect(updated).toMatchObject({
      allowedMcps: ['erpnext', 'wave'],
      blockedMcps: ['truenas'],
      toolRules: [{ backend: '*', deny: ['delete_*'] }],
    });
  });

  it('deletes a user and says whether it existed', async () => {
    await store.users.create(user(1), NOW);
    expect(await store.users.delete('id-1')).toBe(true);
    expect(await store.users.delete('id-1')).toBe(false);
    expect(await store.users.findById('id-1')).toBeNull();
  });

  describe('failed-login counter', () => {
    const options = { maxAttempts: 5, lockUntil: new Date(NOW.getTime() + 30 * 60_000), now: NOW };

    it('counts failures and locks at the threshold, exactly once', async () => {
      await store.users.create(user(1), NOW);
      const outcomes = [];
      for (let i = 0; i < 7; i++) outcomes.push(await store.users.recordFailedLogin('id-1', options));
      expect(outcomes.map((o) => o.attempts)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(outcomes.map((o) => o.lockedNow)).toEqual([false, false, false, false, true, false, false]);
      expect(outcomes[3]?.lockedUntil).toBeNull();
      expect(outcomes[4]?.lockedUntil).toEqual(options.lockUntil);
      expect(outcomes[6]?.lockedUntil).toEqual(options.lockUntil);
    });

    it('50 parallel failures at threshold 5 lose no update and lock exactly once', async () => {
      await store.users.create(user(1), NOW);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => store.users.recordFailedLogin('id-1', options)),
      );
      expect(outcomes.filter((o) => o.lockedNow)).toHaveLength(1);
      expect(outcomes.map((o) => o.attempts).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      const stored = await store.users.findById('id-1');
      expect(stored?.failedLoginAttempts).toBe(50);
      expect(stored?.lockedUntil).toEqual(options.lockUntil);
    });

    it('an expired lock starts the count afresh', async () => {
      await store.users.create(user(1), NOW);
      for (let i = 0; i < 5; i++) await store.users.recordFailedLogin('id-1', options);
      const afterExpiry = new Date(options.lockUntil.getTime() + 1);
      const outcome = await store.users.recordFailedLogin('id-1', {
        maxAttempts: 5,
        lockUntil: new Date(afterExpiry.getTime() + 60_000),
        now: afterExpiry,
      });
      expect(outcome).toEqual({ attempts: 1, lockedUntil: null, lockedNow: false });
    });

    it("honours the ContextForge guide's break-glass SQL on the next read, with no cache in the way", async () => {
      await store.users.create(user(1, { email: 'admin@example.com', isAdmin: true }), NOW);
      for (let i = 0; i < 5; i++) await store.users.recordFailedLogin('id-1', options);
      expect((await store.users.findByEmail('admin@example.com'))?.lockedUntil).not.toBeNull();
      await sql
        .raw(
          "UPDATE email_users SET password_hash='new-hash', password_change_required=false, failed_login_attempts=0, locked_until=NULL, password_changed_at=CURRENT_TIMESTAMP WHERE email='admin@example.com';",
        )
        .execute(store.db);
      const recovered = await store.users.findByEmail('admin@example.com');
      expect(recovered).toMatchObject({
        passwordHash: 'new-hash',
        failedLoginAttempts: 0,
        lockedUntil: null,
      });
    });
  });

  describe('admin lock', () => {
    it('counts only active admins', async () => {
      await store.users.create(user(1, { isAdmin: true }), NOW);
      await store.users.create(user(2, { isAdmin: true, isActive: false }), NOW);
      await store.users.create(user(3), NOW);
      expect(await store.users.countActiveAdmins()).toBe(1);
    });

    it('of two concurrent demotions of the last two admins, exactly one succeeds', async () => {
      await store.users.create(user(1, { isAdmin: true }), NOW);
      await store.users.create(user(2, { isAdmin: true }), NOW);
      const demote = (id: string) =>
        store.users.withAdminLock(async (users) => {
          // Widen the race window: both transactions are open before either decides.
          await new Promise((resolve) => setTimeout(resolve, 50));
          if ((await users.countActiveAdmins()) <= 1) return 'refused';
          await users.update(id, { isAdmin: false }, NOW);
          return 'demoted';
        });
      const results = await Promise.all([demote('id-1'), demote('id-2')]);
      expect(results.sort()).toEqual(['demoted', 'refused']);
      expect(await store.users.countActiveAdmins()).toBe(1);
    });

    it('rolls back the work when it throws', async () => {
      await store.users.create(user(1, { isAdmin: true }), NOW);
      await expect(
        store.users.withAdminLock(async (users) => {
          await users.update('id-1', { isAdmin: false }, NOW);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await store.users.findById('id-1'))?.isAdmin).toBe(true);
    });
  });

  describe('revoked tokens', () => {
    it('remembers a revoked jti until it expires, then purges it', async () => {
      await store.revokedTokens.revoke('jti-1', 'id-1', new Date(NOW.getTime() + 60_000));
      await store.revokedTokens.revoke('jti-1', 'id-1', new Date(NOW.getTime() + 60_000));
      expect(await store.revokedTokens.isRevoked('jti-1')).toBe(true);
      expect(await store.revokedTokens.isRevoked('jti-2')).toBe(false);
      expect(await store.revokedTokens.purgeExpired(NOW)).toBe(0);
      expect(await store.revokedTokens.purgeExpired(new Date(NOW.getTime() + 120_000))).toBe(1);
      expect(await store.revokedTokens.isRevoked('jti-1')).toBe(false);
    });
  });
});
