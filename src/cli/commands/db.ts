import { EXIT } from '../exit-codes.ts';
import { withStore } from '../store-session.ts';

/** `gatehouse db migrate`: applies pending migrations; safe to run beside a starting server. */
export function dbMigrate(options: { config?: string }): Promise<number> {
  return withStore(options.config, async (store) => {
    const outcome = await store.migrate();
    if (outcome.error) {
      process.stderr.write(`gatehouse: migration failed: ${outcome.error.message}\n`);
      return EXIT.failure;
    }
    const lines =
      outcome.applied.length === 0 ? ['Database is up to date.'] : outcome.applied.map((n) => `applied ${n}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  });
}

/**
 * `gatehouse db status`: lists every migration with the time it was applied, or "pending", and those
 * the database records that this version does not know (a newer Gatehouse applied them: exit 1).
 */
export function dbStatus(options: { config?: string }): Promise<number> {
  return withStore(options.config, async (store) => {
    const migrations = await store.migrationStatus();
    const lines = migrations.map((m) => {
      const state = m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending';
      return m.known ? `${m.name}  ${state}` : `${m.name}  ${state}  not known to this version of Gatehouse`;
    });
    const known = migrations.filter((m) => m.known);
    const pending = known.filter((m) => !m.executedAt).length;
    const unknown = migrations.length - known.length;
    const newer =
      unknown > 0 ? `, ${unknown} unknown: a newer version of Gatehouse migrated this database` : '';
    lines.push(
      `${known.length - pending} applied, ${pending} pending${newer} (${store.capabilities.dialect})`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return unknown > 0 ? EXIT.failure : EXIT.ok;
  });
}
