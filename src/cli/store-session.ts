import type { Settings } from '../config/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { EXIT } from './exit-codes.ts';
import { loadSettingsOrReport } from './settings.ts';

/**
 * Runs `work` with the configured database: loads settings (exit 2 when invalid), checks that the
 * database answers (exit 1 when not), and always closes the store.
 */
export async function withStore(
  configFile: string | undefined,
  work: (store: Store, settings: Settings) => Promise<number>,
): Promise<number> {
  const loaded = loadSettingsOrReport(configFile);
  if (loaded === null) return EXIT.usage;
  const store = openStore(loaded.settings.databaseUrl, { poolSize: 2 });
  try {
    if (!(await store.ping(5000))) {
      process.stderr.write('gatehouse: the database does not answer (check DATABASE_URL)\n');
      return EXIT.failure;
    }
    return await work(store, loaded.settings);
  } finally {
    await store.close();
  }
}
