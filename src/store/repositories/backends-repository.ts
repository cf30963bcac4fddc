import type { Kysely, Selectable } from 'kysely';
import { type DialectCapabilities, isUniqueViolation } from '../capabilities.ts';
import type { BackendsTable, Database } from '../schema.ts';

/** A backend MCP server's stored configuration (validated by the gateway domain, not here). */
export interface BackendRecord {
  name: string;
  config: unknown;
  createdAt: Date;
  updatedAt: Date;
}

/** Backends added through the admin API or CLI. */
export interface BackendsRepository {
  list(): Promise<BackendRecord[]>;
  find(name: string): Promise<BackendRecord | null>;
  /** Inserts a backend; null when the name is taken. */
  create(name: string, config: unknown, now: Date): Promise<BackendRecord | null>;
  /** Replaces a backend's configuration; null when there is none. */
  update(name: string, config: unknown, now: Date): Promise<BackendRecord | null>;
  /** Deletes a backend; true if it existed. */
  delete(name: string): Promise<boolean>;
}

/** The backends repository over a Kysely database. */
export function backendsRepository(db: Kysely<Database>, caps: DialectCapabilities): BackendsRepository {
  const toRecord = (row: Selectable<BackendsTable>): BackendRecord => ({
    name: row.name,
    config: caps.fromJson(row.config),
    createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
    updatedAt: caps.fromTimestamp(row.updated_at) ?? new Date(0),
  });
  return {
    async list() {
      return (await db.selectFrom('backends').selectAll().orderBy('name').execute()).map(toRecord);
    },
    async find(name) {
      const row = await db.selectFrom('backends').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async create(name, config, now) {
      try {
        const row = await db
          .insertInto('backends')
          .values({
            name,
            config: caps.toJson(config),
            created_at: caps.toTimestamp(now),
            updated_at: caps.toTimestamp(now),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRecord(row);
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },
    async update(name, config, now) {
      const row = await db
        .updateTable('backends')
        .set({ config: caps.toJson(config), updated_at: caps.toTimestamp(now) })
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async delete(name) {
      const result = await db.deleteFrom('backends').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
