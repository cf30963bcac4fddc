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

/** `gatehouse db status`: lists every migration with the time it was applied, or "pending". */
export function dbStatus(options: { config?: string }): Promise<number> {
  return withStore(options.config, async (store) => {
    const migrations = await store.migrationStatus();
    const lines = migrations.map(
      (m) => `${m.name}  ${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending'}`,
    );
    const pending = migrations.filter((m) => !m.executedAt).length;
    lines.push(`${migrations.length - pending} applied, ${pending} pending (${store.capabilities.dialect})`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
  });
}
