import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

// The columns DESIGN.md names, so that operators' break-glass SQL works verbatim.
const EMAIL_USERS_COLUMNS = [
  'id',
  'email',
  'username',
  'full_name',
  'password_hash',
  'is_admin',
  'is_active',
  'email_verified_at',
  'password_change_required',
  'password_changed_at',
  'failed_login_attempts',
  'locked_until',
  'tokens_valid_after',
  'last_login',
  'created_at',
  'updated_at',
  'allowed_mcps',
  'blocked_mcps',
  'tool_rules',
  'source',
];

describe.each(DIALECTS)('store on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await dialect.create();
    store = openStore(database.url);
    const outcome = await store.migrate();
    expect(outcome.error).toBeUndefined();
  });

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  describe('migrations', () => {
    it('applies every migration and lists it as applied', async () => {
      const status = await store.migrationStatus();
      expect(status.map((m) => m.name)).toEqual(Object.keys(MIGRATIONS));
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
    });

    it('applies nothing the second time', async () => {
      expect(await store.migrate()).toEqual({ applied: [] });
    });

    it('creates email_users with every column DESIGN.md names, plus auth_events and settings', async () => {
      const tables = await store.db.introspection.getTables();
      const byName = new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
      expect(byName.get('email_users')?.sort()).toEqual([...EMAIL_USERS_COLUMNS].sort());
      expect(byName.get('auth_events')).toEqual(
        expect.arrayContaining([
          'id',
          'ts',
          'user_id',
          'user_email',
          'event_type',
          'success',
          'ip',
          'user_agent',
          'details',
        ]),
      );
      expect(byName.get('settings')).toEqual(expect.arrayContaining(['key', 'value', 'updated_at']));
    });

    it("runs the ContextForge guide's break-glass SQL verbatim", async () => {
      await sql`insert into email_users (id, email, username, password_hash, is_admin, failed_login_attempts, locked_until, password_change_required)
                values ('u1', 'admin@example.com', 'admin', 'old-hash', ${store.capabilities.toBoolean(true)}, 5, ${store.capabilities.toTimestamp(new Date(Date.now() + 3_600_000))}, ${store.capabilities.toBoolean(true)})`.execute(
        store.db,
      );
      await sql
        .raw(
          `UPDATE email_users SET password_hash='$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', password_change_required=false, failed_login_attempts=0, locked_until=NULL, password_changed_at=CURRENT_TIMESTAMP WHERE email='admin@example.com';`,
        )
        .execute(store.db);
      const admins = await sql<{
        email: string;
        failed_login_attempts: number;
        locked_until: unknown;
        password_change_required: unknown;
        password_changed_at: unknown;
      }>`SELECT email, is_admin, failed_login_attempts, locked_until, password_change_required, password_changed_at FROM email_users WHERE is_admin = true`.execute(
        store.db,
      );
      expect(admins.rows).toHaveLength(1);
      const row = admins.rows[0]!;
      expect(row.failed_login_attempts).toBe(0);
      expect(row.locked_until).toBeNull();
      expect(store.capabilities.fromBoolean(row.password_change_required)).toBe(false);
      const changedAt = store.capabilities.fromTimestamp(row.password_changed_at);
      expect(Math.abs((changedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    });

    it('keeps email unique', async () => {
      const insert = (id: string, username: string) =>
        store.db
          .insertInto('email_users')
          .values({ id, email: 'a@example.com', username, password_hash: 'h' })
          .execute();
      await insert('u1', 'a');
      await expect(insert('u2', 'b')).rejects.toThrow();
    });
  });

  describe('settings repository', () => {
    it('returns null for a missing key, then the value set, then the replaced value', async () => {
      expect(await store.settings.get('k')).toBeNull();
      await store.settings.set('k', 'one');
      expect(await store.settings.get('k')).toBe('one');
      await store.settings.set('k', 'two');
      expect(await store.settings.get('k')).toBe('two');
    });

    it('setIfAbsent keeps the first value even when many race', async () => {
      const winners = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.settings.setIfAbsent('jwt', `value-${i}`)),
      );
      expect(new Set(winners).size).toBe(1);
      expect(await store.settings.get('jwt')).toBe(winners[0]);
    });

    it('deletes a key and says whether it existed', async () => {
      await store.settings.set('k', 'v');
      expect(await store.settings.delete('k')).toBe(true);
      expect(await store.settings.delete('k')).toBe(false);
      expect(await store.settings.get('k')).toBeNull();
    });

    it('stores SQL-injection text as a literal', async () => {
      const hostile = "x'); DROP TABLE settings; --";
      await store.settings.set(hostile, hostile);
      expect(await store.settings.get(hostile)).toBe(hostile);
      expect(await store.settings.get('k')).toBeNull();
    });
  });

  describe('auth events repository', () => {
    it('appends events and lists them newest first with every field round-tripped', async () => {
      const ts = new Date('2026-01-02T03:04:05.678Z');
      const first = await store.authEvents.append({
        eventType: 'login_failed',
        success: false,
        userEmail: 'a@example.com',
        userId: 'u1',
        ip: '10.0.0.1',
        userAgent: 'curl/8',
        details: { attempts: 1 },
        ts,
      });
      const second = await store.authEvents.append({ eventType: 'login_success', success: true });
      expect(second).toBeGreaterThan(first);
      const events = await store.authEvents.list({ limit: 10 });
      expect(events.map((e) => e.id)).toEqual([second, first]);
      expect(events[1]).toEqual({
        id: first,
        ts,
        eventType: 'login_failed',
        success: false,
        userId: 'u1',
        userEmail: 'a@example.com',
        ip: '10.0.0.1',
        userAgent: 'curl/8',
        details: { attempts: 1 },
      });
      expect(events[0]?.success).toBe(true);
      expect(events[0]?.details).toBeNull();
    });

    it('pages with a keyset cursor and filters by user and type', async () => {
      for (let i = 0; i < 5; i++) {
        await store.authEvents.append({
          eventType: i % 2 ? 'a' : 'b',
          success: true,
          userEmail: `u${i % 2}@x.io`,
        });
      }
      const page1 = await store.authEvents.list({ limit: 2 });
      const page2 = await store.authEvents.list({ limit: 2, beforeId: page1.at(-1)!.id });
      const page3 = await store.authEvents.list({ limit: 2, beforeId: page2.at(-1)!.id });
      const ids = [...page1, ...page2, ...page3].map((e) => e.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
      expect((await store.authEvents.list({ limit: 10, eventType: 'a' })).length).toBe(2);
      expect((await store.authEvents.list({ limit: 10, userEmail: 'u0@x.io' })).length).toBe(3);
    });

    it('truncates an oversized user agent instead of failing', async () => {
      await store.authEvents.append({ eventType: 'x', success: true, userAgent: 'a'.repeat(10_000) });
      const [event] = await store.authEvents.list({ limit: 1 });
      expect(event?.userAgent).toHaveLength(512);
    });

    it('appends a batch in one statement, in order, and accepts an empty batch', async () => {
      await store.authEvents.appendMany([]);
      await store.authEvents.appendMany(
        Array.from({ length: 3 }, (_, i) => ({
          eventType: 'tool_call',
          success: i !== 1,
          userEmail: 'u@x.io',
          details: { tool: `t${i}` },
        })),
      );
      const events = await store.authEvents.list({ limit: 10, eventType: 'tool_call' });
      expect(events.map((e) => [e.details?.tool, e.success])).toEqual([
        ['t2', true],
        ['t1', false],
        ['t0', true],
      ]);
    });
  });

  describe('health', () => {
    it('ping is true while open and false after close, without throwing', async () => {
      expect(await store.ping()).toBe(true);
      await store.close();
      expect(await store.ping()).toBe(false);
    });
  });
});
