import { userInfo } from 'node:os';
import { pino } from 'pino';
import { AppError } from '../errors/index.ts';
import { createLogger } from '../http/index.ts';
import {
  AuthFileError,
  createIdentityContext,
  type IdentityContext,
  type RequestContext,
} from '../identity/index.ts';
import type { Settings } from '../config/index.ts';
import { EXIT } from './exit-codes.ts';
import { loadSettingsOrReport } from './settings.ts';
import { withStore } from './store-session.ts';

/** The audit context of CLI actions: the operating-system user who ran them. */
export function cliContext(): RequestContext {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return { actorEmail: `cli:${name}`, ip: null, userAgent: 'gatehouse-cli' };
}

/** Prints a service error the way the API would word it; returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof AuthFileError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return EXIT.failure;
  }
  if (!(error instanceof AppError)) throw error;
  const violations = error.details?.violations as string[] | undefined;
  const details = error.details?.details as { field: string; message: string }[] | undefined;
  const extra = violations ?? details?.map((d) => `${d.field} ${d.message}`) ?? [];
  process.stderr.write(`gatehouse: ${error.message}${extra.map((line) => `\n  - ${line}`).join('')}\n`);
  return EXIT.failure;
}

/**
 * Runs `work` with the identity services on the configured database, whether or not a server is
 * running: loads settings, migrates, and always closes the store. Audit lines go to stderr.
 */
export function withIdentity(
  configFile: string | undefined,
  work: (identity: IdentityContext) => Promise<number>,
): Promise<number> {
  return withStore(configFile, async (store, settings) => {
    const migrated = await store.migrate();
    if (migrated.error) {
      process.stderr.write(`gatehouse: migration failed: ${migrated.error.message}\n`);
      return EXIT.failure;
    }
    const logger = createLogger(
      settings.logLevel === 'info' ? 'warn' : settings.logLevel,
      pino.destination(2),
    );
    const identity = await createIdentityContext(settings, store, logger);
    try {
      return await work(identity);
    } catch (error) {
      return reportError(error);
    }
  });
}

/**
 * Runs a token- or user-file edit: loads settings (exit 2 when invalid) for the password rules,
 * without opening the database, and reports file and policy errors as the other commands do.
 */
export async function withSettingsOnly(
  configFile: string | undefined,
  work: (settings: Settings) => Promise<number>,
): Promise<number> {
  const loaded = loadSettingsOrReport(configFile);
  if (loaded === null) return EXIT.usage;
  try {
    return await work(loaded.settings);
  } catch (error) {
    return reportError(error);
  }
}
