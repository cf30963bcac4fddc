import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadSettings, type Settings } from '../../src/config/index.ts';
import { buildApp, createLogger } from '../../src/http/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';

/** An in-process app on a migrated store, with its log lines captured. */
export interface TestApp {
  app: FastifyInstance;
  store: Store;
  settings: Settings;
  /** Every log line written so far, as raw JSON text. */
  logText(): string;
  close(): Promise<void>;
}

/** Settings from `env` on top of test defaults (in-memory SQLite); throws on invalid settings. */
export function testSettings(env: Record<string, string> = {}): Settings {
  const result = loadSettings({ env: { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info', ...env } });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.settings;
}

/** Builds the app; `extend` may add routes before it is ready. */
export async function testApp(
  env: Record<string, string> = {},
  extend?: (app: FastifyInstance) => void,
): Promise<TestApp> {
  const settings = testSettings(env);
  const store = openStore(settings.databaseUrl);
  const migrated = await store.migrate();
  if (migrated.error) throw migrated.error;
  let lines = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines += chunk.toString();
      done();
    },
  });
  const app = buildApp(settings, { store, logger: createLogger(settings.logLevel, sink) });
  extend?.(app);
  await app.ready();
  return {
    app,
    store,
    settings,
    logText: () => lines,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
