import { userInfo } from 'node:os';
import { pino } from 'pino';
import { AppError } from '../errors/index.ts';
import { createLogger } from '../http/index.ts';
import { createIdentityContext, type IdentityContext, type RequestContext } from '../identity/index.ts';
import { openStore } from '../store/index.ts';
import { EXIT } from './exit-codes.ts';
import { loadSettingsOrReport } from './settings.ts';

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
export async function withIdentity(
  configFile: string | undefined,
  work: (identity: IdentityContext) => Promise<number>,
): Promise<number> {
  const loaded = loadSettingsOrReport(configFile);
  if (loaded === null) return EXIT.usage;
  const store = openStore(loaded.settings.databaseUrl, { poolSize: 2 });
  try {
    if (!(await store.ping(5000))) {
      process.stderr.write('gatehouse: the database does not answer (check DATABASE_URL)\n');
      return EXIT.failure;
    }
    const migrated = await store.migrate();
    if (migrated.error) {
      process.stderr.write(`gatehouse: migration failed: ${migrated.error.message}\n`);
      return EXIT.failure;
    }
    const logger = createLogger(
      loaded.settings.logLevel === 'info' ? 'warn' : loaded.settings.logLevel,
      pino.destination(2),
    );
    const identity = await createIdentityContext(loaded.settings, store, logger);
    try {
      return await work(identity);
    } catch (error) {
      return reportError(error);
    }
  } finally {
    await store.close();
  }
}
