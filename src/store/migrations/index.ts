import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';
import * as revokedTokens from './0002_revoked_tokens.ts';
import * as passwordResetAndOutbox from './0003_password_reset_and_outbox.ts';
import * as apiTokens from './0004_api_tokens.ts';
import * as userSource from './0005_user_source.ts';
import * as backends from './0006_backends.ts';
import * as oauth from './0007_oauth.ts';

/** Every migration, by name; names sort in the order they apply. Append, never edit. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_revoked_tokens': revokedTokens,
  '0003_password_reset_and_outbox': passwordResetAndOutbox,
  '0004_api_tokens': apiTokens,
  '0005_user_source': userSource,
  '0006_backends': backends,
  '0007_oauth': oauth,
};
