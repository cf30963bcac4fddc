import { type Kysely, type Selectable, sql } from 'kysely';
import { type DialectCapabilities, isUniqueViolation } from '../capabilities.ts';
import type { Database, EmailUsersTable } from '../schema.ts';

/** A user as stored in `email_users`. */
export interface UserRecord {
  id: string;
  email: string;
  username: string;
  fullName: string | null;
  passwordHash: string;
  isAdmin: boolean;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  passwordChangeRequired: boolean;
  passwordChangedAt: Date | null;
  failedLoginAttempts: number;
  lockedUntil: Date | null;
  tokensValidAfter: Date | null;
  lastLogin: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Backends the user may use (empty: all) and may not (wins), as in the gateway-proxy design. */
  allowedMcps: string[];
  blockedMcps: string[];
  /** Per-backend tool rules, as stored (validated by the identity domain). */
  toolRules: unknown[];
  /** Where the user is defined: the database, or AUTH_USER_FILE (then the file owns its fields). */
  source: UserSource;
}

/** Where a user is defined. */
export type UserSource = 'database' | 'file';

/** Fields given when creating a user; email and username must already be canonical. */
export interface NewUserRecord {
  id: string;
  email: string;
  username: string;
  fullName?: string | null;
  passwordHash: string;
  isAdmin?: boolean;
  isActive?: boolean;
  passwordChangeRequired?: boolean;
  passwordChangedAt?: Date | null;
  source?: UserSource;
}

/** Fields an update may set. */
export type UserPatch = Partial<
  Pick<
    UserRecord,
    | 'email'
    | 'fullName'
    | 'passwordHash'
    | 'isAdmin'
    | 'isActive'
    | 'passwordChangeRequired'
    | 'passwordChangedAt'
    | 'failedLoginAttempts'
    | 'lockedUntil'
    | 'tokensValidAfter'
    | 'lastLogin'
    | 'emailVerifiedAt'
    | 'allowedMcps'
    | 'blockedMcps'
    | 'toolRules'
  >
>;

/** The result of counting one failed login. */
export interface FailedLoginOutcome {
  attempts: number;
  lockedUntil: Date | null;
  /** True for exactly the failure that locked the account. */
  lockedNow: boolean;
}

/** Users, with the atomic operations lockout and the last-admin rule need. */
export interface UsersRepository {
  /** Inserts a user; returns null if the email or username is taken. */
  create(user: NewUserRecord, now: Date): Promise<UserRecord | null>;
  findById(id: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  /** Users ordered by email, after `afterEmail` (keyset cursor). */
  list(options: { limit: number; afterEmail?: string }): Promise<UserRecord[]>;
  /** Every user defined by `source`. */
  listBySource(source: UserSource): Promise<UserRecord[]>;
  /** Applies `patch`; returns the updated user, or null if there is none. */
  update(id: string, patch: UserPatch, now: Date): Promise<UserRecord | null>;
  /** Deletes a user; true if it existed. */
  delete(id: string): Promise<boolean>;
  /**
   * Counts one failed login in a single atomic statement: an expired lock starts the count
   * afresh, and reaching `maxAttempts` sets `locked_until` to `lockUntil`.
   */
  recordFailedLogin(
    id: string,
    options: { maxAttempts: number; lockUntil: Date; now: Date },
  ): Promise<FailedLoginOutcome>;
  /** Number of users that are both active and admin. */
  countActiveAdmins(): Promise<number>;
  /**
   * Runs `work` in a transaction that holds the admin lock (see DialectCapabilities.lockAdmins),
   * with a repository bound to that transaction.
   */
  withAdminLock<T>(work: (users: UsersRepository) => Promise<T>): Promise<T>;
}

const COLUMN_OF: Record<keyof UserPatch, keyof EmailUsersTable> = {
  email: 'email',
  fullName: 'full_name',
  passwordHash: 'password_hash',
  isAdmin: 'is_admin',
  isActive: 'is_active',
  passwordChangeRequired: 'password_change_required',
  passwordChangedAt: 'password_changed_at',
  failedLoginAttempts: 'failed_login_attempts',
  lockedUntil: 'locked_until',
  tokensValidAfter: 'tokens_valid_after',
  lastLogin: 'last_login',
  emailVerifiedAt: 'email_verified_at',
  allowedMcps: 'allowed_mcps',
  blockedMcps: 'blocked_mcps',
  toolRules: 'tool_rules',
};
const JSON_FIELDS = new Set(['allowedMcps', 'blockedMcps', 'toolRules']);
const BOOLEAN_FIELDS = new Set(['isAdmin', 'isActive', 'passwordChangeRequired']);
const DATE_FIELDS = new Set([
  'passwordChangedAt',
  'lockedUntil',
  'tokensValidAfter',
  'lastLogin',
  'emailVerifiedAt',
]);

// Hand-edited rows may hold anything; a non-array reads as empty.
function jsonArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The users repository over a Kysely database (or transaction). */
export function usersRepository(db: Kysely<Database>, caps: DialectCapabilities): UsersRepository {
  const toRecord = (row: Selectable<EmailUsersTable>): UserRecord => ({
    id: row.id,
    email: row.email,
    username: row.username,
    fullName: row.full_name,
    passwordHash: row.password_hash,
    isAdmin: caps.fromBoolean(row.is_admin),
    isActive: caps.fromBoolean(row.is_active),
    emailVerifiedAt: caps.fromTimestamp(row.email_verified_at),
    passwordChangeRequired: caps.fromBoolean(row.password_change_required),
    passwordChangedAt: caps.fromTimestamp(row.password_changed_at),
    failedLoginAttempts: Number(row.failed_login_attempts),
    lockedUntil: caps.fromTimestamp(row.locked_until),
    tokensValidAfter: caps.fromTimestamp(row.tokens_valid_after),
    lastLogin: caps.fromTimestamp(row.last_login),
    createdAt: caps.fromTimestamp(row.created_at) ?? new Date(0),
    updatedAt: caps.fromTimestamp(row.updated_at) ?? new Date(0),
    allowedMcps: jsonArray(caps.fromJson(row.allowed_mcps)) as string[],
    blockedMcps: jsonArray(caps.fromJson(row.blocked_mcps)) as string[],
    toolRules: jsonArray(caps.fromJson(row.tool_rules)),
    source: row.source === 'file' ? 'file' : 'database',
  });
  const time = (date: Date | null | undefined) => (date ? caps.toTimestamp(date) : null);
  const findBy = async (column: 'id' | 'email' | 'username', value: string) => {
    const row = await db.selectFrom('email_users').selectAll().where(column, '=', value).executeTakeFirst();
    return row ? toRecord(row) : null;
  };

  const repository: UsersRepository = {
    async create(user, now) {
      try {
        const row = await db
          .insertInto('email_users')
          .values({
            id: user.id,
            email: user.email,
            username: user.username,
            full_name: user.fullName ?? null,
            password_hash: user.passwordHash,
            is_admin: caps.toBoolean(user.isAdmin ?? false),
            is_active: caps.toBoolean(user.isActive ?? true),
            password_change_required: caps.toBoolean(user.passwordChangeRequired ?? false),
            password_changed_at: time(user.passwordChangedAt ?? now),
            created_at: caps.toTimestamp(now),
            updated_at: caps.toTimestamp(now),
            source: user.source ?? 'database',
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRecord(row);
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },
    findById: (id) => findBy('id', id),
    findByEmail: (email) => findBy('email', email),
    findByUsername: (username) => findBy('username', username),
    async list({ limit, afterEmail }) {
      let query = db.selectFrom('email_users').selectAll().orderBy('email').limit(limit);
      if (afterEmail !== undefined) query = query.where('email', '>', afterEmail);
      return (await query.execute()).map(toRecord);
    },
    async listBySource(source) {
      const rows = await db.selectFrom('email_users').selectAll().where('source', '=', source).execute();
      return rows.map(toRecord);
    },
    async update(id, patch, now) {
      const values: Record<string, unknown> = { updated_at: caps.toTimestamp(now) };
      for (const [field, value] of Object.entries(patch) as [keyof UserPatch, unknown][]) {
        if (value === undefined) continue;
        const column = COLUMN_OF[field];
        if (BOOLEAN_FIELDS.has(field)) values[column] = caps.toBoolean(value as boolean);
        else if (DATE_FIELDS.has(field)) values[column] = time(value as Date | null);
        else if (JSON_FIELDS.has(field)) values[column] = caps.toJson(value);
        else values[column] = value;
      }
      const row = await db
        .updateTable('email_users')
        .set(values)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async delete(id) {
      const result = await db.deleteFrom('email_users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async recordFailedLogin(id, { maxAttempts, lockUntil, now }) {
      const at = caps.toTimestamp(now);
      const until = caps.toTimestamp(lockUntil);
      // One statement, so concurrent failures serialise on the row and none is lost.
      const next = sql<number>`case when locked_until is not null and locked_until <= ${at} then 1 else failed_login_attempts + 1 end`;
      const row = await db
        .updateTable('email_users')
        .set({
          failed_login_attempts: next,
          locked_until: sql`case
            when locked_until is not null and locked_until > ${at} then locked_until
            when ${next} >= ${maxAttempts} then ${until}
            else null end`,
          updated_at: at,
        })
        .where('id', '=', id)
        .returning(['failed_login_attempts', 'locked_until'])
        .executeTakeFirst();
      if (!row) return { attempts: 0, lockedUntil: null, lockedNow: false };
      const attempts = Number(row.failed_login_attempts);
      return {
        attempts,
        lockedUntil: caps.fromTimestamp(row.locked_until),
        lockedNow: attempts === maxAttempts,
      };
    },
    async countActiveAdmins() {
      const row = await db
        .selectFrom('email_users')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('is_admin', '=', caps.toBoolean(true))
        .where('is_active', '=', caps.toBoolean(true))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    withAdminLock(work) {
      return db.transaction().execute(async (trx) => {
        await caps.lockAdmins(trx);
        return work(usersRepository(trx, caps));
      });
    },
  };
  return repository;
}
