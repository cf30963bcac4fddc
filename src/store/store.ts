import { type Kysely, sql } from 'kysely';
import type { DialectCapabilities } from './capabilities.ts';
import { type ConnectOptions, connect } from './connect.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { type MigrateOutcome, type MigrationState, migrateToLatest, migrationStatus } from './migrate.ts';
import { type ApiTokensRepository, apiTokensRepository } from './repositories/api-tokens-repository.ts';
import { type BackendsRepository, backendsRepository } from './repositories/backends-repository.ts';
import { type AuthEventsRepository, authEventsRepository } from './repositories/auth-events-repository.ts';
import { type MailOutboxRepository, mailOutboxRepository } from './repositories/mail-outbox-repository.ts';
import {
  type PasswordResetRepository,
  passwordResetRepository,
} from './repositories/password-reset-repository.ts';
import {
  type RevokedTokensRepository,
  revokedTokensRepository,
} from './repositories/revoked-tokens-repository.ts';
import { type OAuthRepository, oauthRepository } from './repositories/oauth-repository.ts';
import { type SettingsRepository, settingsRepository } from './repositories/settings-repository.ts';
import { type UsersRepository, usersRepository } from './repositories/users-repository.ts';
import type { Database } from './schema.ts';

/** The database of one process: its repositories, health check, migrations and shutdown. */
export interface Store {
  readonly capabilities: DialectCapabilities;
  readonly db: Kysely<Database>;
  readonly settings: SettingsRepository;
  readonly authEvents: AuthEventsRepository;
  readonly users: UsersRepository;
  readonly revokedTokens: RevokedTokensRepository;
  readonly passwordResets: PasswordResetRepository;
  readonly mailOutbox: MailOutboxRepository;
  readonly apiTokens: ApiTokensRepository;
  readonly backends: BackendsRepository;
  readonly oauth: OAuthRepository;
  /** True when the database answers a trivial query within `timeoutMs`; never throws. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Applies pending migrations (see migrateToLatest). */
  migrate(): Promise<MigrateOutcome>;
  /** Every migration and when it was applied. */
  migrationStatus(): Promise<MigrationState[]>;
  /** Closes every connection; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the store for a DATABASE_URL. Connections are made lazily, so this does not fail when the
 * server is down; throws TypeError for a URL that settings validation should have refused.
 */
export function openStore(databaseUrl: string, options: ConnectOptions = {}): Store {
  const target = parseDatabaseUrl(databaseUrl);
  if (target === null) throw new TypeError('openStore: unsupported DATABASE_URL');
  const { db, capabilities } = connect(target, options);
  let closing: Promise<void> | undefined;

  return {
    capabilities,
    db,
    settings: settingsRepository(db, capabilities),
    authEvents: authEventsRepository(db, capabilities),
    users: usersRepository(db, capabilities),
    revokedTokens: revokedTokensRepository(db, capabilities),
    passwordResets: passwordResetRepository(db, capabilities),
    mailOutbox: mailOutboxRepository(db, capabilities),
    apiTokens: apiTokensRepository(db, capabilities),
    backends: backendsRepository(db, capabilities),
    oauth: oauthRepository(db, capabilities),
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    migrate: () => migrateToLatest(db as Kysely<unknown>),
    migrationStatus: () => migrationStatus(db as Kysely<unknown>),
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
