export type { DialectCapabilities } from './capabilities.ts';
export type { ConnectOptions } from './connect.ts';
export { type DatabaseTarget, parseDatabaseUrl } from './database-url.ts';
export type { MigrateOutcome, MigrationState } from './migrate.ts';
export type { ApiTokenRecord, ApiTokensRepository } from './repositories/api-tokens-repository.ts';
export type { BackendRecord, BackendsRepository } from './repositories/backends-repository.ts';
export type {
  AuthEvent,
  AuthEventQuery,
  AuthEventsRepository,
  NewAuthEvent,
} from './repositories/auth-events-repository.ts';
export type {
  MailOutboxRepository,
  NewOutboxMessage,
  OutboxMessage,
} from './repositories/mail-outbox-repository.ts';
export type {
  PasswordResetRecord,
  PasswordResetRepository,
} from './repositories/password-reset-repository.ts';
export type { OAuthRecord, OAuthRecordInput, OAuthRepository } from './repositories/oauth-repository.ts';
export type { RevokedTokensRepository } from './repositories/revoked-tokens-repository.ts';
export type { SettingsRepository } from './repositories/settings-repository.ts';
export type {
  FailedLoginOutcome,
  NewUserRecord,
  UserPatch,
  UserRecord,
  UserSource,
  UsersRepository,
} from './repositories/users-repository.ts';
export type { Database } from './schema.ts';
export { openStore, type Store } from './store.ts';
