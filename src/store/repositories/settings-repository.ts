import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../capabilities.ts';
import type { Database } from '../schema.ts';

/** Installation state kept as text under a key. */
export interface SettingsRepository {
  /** The value under `key`, or null. */
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key`, replacing any earlier value. */
  set(key: string, value: string): Promise<void>;
  /** Stores `value` only if `key` has none yet; returns the value that is stored now (first writer wins). */
  setIfAbsent(key: string, value: string): Promise<string>;
  /** Removes `key`; true if it existed. */
  delete(key: string): Promise<boolean>;
}

/** The settings repository over a Kysely database. */
export function settingsRepository(db: Kysely<Database>, caps: DialectCapabilities): SettingsRepository {
  async function get(key: string): Promise<string | null> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }
  return {
    get,
    async set(key, value) {
      const updated_at = caps.toTimestamp(new Date());
      await db
        .insertInto('settings')
        .values({ key, value, updated_at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at }))
        .execute();
    },
    async setIfAbsent(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value, updated_at: caps.toTimestamp(new Date()) })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const stored = await get(key);
      if (stored === null) throw new Error(`settings row ${key} vanished after insert`);
      return stored;
    },
    async delete(key) {
      const result = await db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
