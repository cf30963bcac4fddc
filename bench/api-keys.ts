// API key verification, in process: how many bearer keys per second `authenticateApiKey` checks
// with the key cache hit (the steady state) and missed (every lookup goes to the database).
// Run: npm run bench:keys [-- DATABASE_URL]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/index.ts';
import { createLogger } from '../src/http/index.ts';
import {
  authenticateApiKey,
  createApiKey,
  createIdentityContext,
  createUser,
} from '../src/identity/index.ts';
import { openStore } from '../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-keys-'));
const databaseUrl = process.argv[2] ?? `sqlite:${join(dir, 'bench.db')}`;
const loaded = loadSettings({ env: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' } });
if (!loaded.ok) throw new Error(loaded.errors.join('; '));
const store = openStore(databaseUrl);
try {
  const migrated = await store.migrate();
  if (migrated.error) throw migrated.error;
  const identity = await createIdentityContext(loaded.settings, store, createLogger('silent'));
  const user = await createUser(
    identity,
    { email: 'bench@example.com', password: 'a quiet river passphrase' },
    {},
  );
  const { secret } = await createApiKey(identity, user, { name: 'bench' }, {});

  async function measure(
    label: string,
    iterations: number,
    before: () => void,
  ): Promise<Record<string, unknown>> {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      before();
      const result = await authenticateApiKey(identity, secret);
      if (!result || 'rejected' in result) throw new Error('key refused');
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      case: label,
      iterations,
      per_second: Math.round(iterations / seconds),
      mean_us: Number(((seconds / iterations) * 1e6).toFixed(2)),
    };
  }

  await measure('warm-up', 2_000, () => {});
  const hit = await measure('cache hit', 200_000, () => {});
  const miss = await measure('cache miss', 5_000, () => identity.keyCache.clear());
  await identity.keyUsage.stop();
  process.stdout.write(
    `${JSON.stringify({ database: databaseUrl.split(':')[0], results: [hit, miss] }, null, 2)}\n`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
