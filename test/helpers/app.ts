import type { FastifyInstance } from 'fastify';
import { loadSettings, type Settings } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { Gateway } from '../../src/gateway/index.ts';
import { createIdentityContext, type IdentityContext } from '../../src/identity/index.ts';
import { createMailerFromSettings, type Mailer, mailNotifier } from '../../src/mail/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { capturedLogger } from './captured-log.ts';

/** An in-process app on a migrated store, with its log lines captured. */
export interface TestApp {
  app: FastifyInstance;
  store: Store;
  settings: Settings;
  identity: IdentityContext;
  gateway: Gateway;
  /** The outbox mailer (not started: call `deliverDue()`). */
  mailer: Mailer;
  /** Every log line written so far, as raw JSON text. */
  logText(): string;
  close(): Promise<void>;
}

/** Settings from `env` on top of test defaults (in-memory SQLite, no failed-login floor); throws on invalid settings. */
export function testSettings(env: Record<string, string> = {}): Settings {
  const result = loadSettings({
    env: { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info', FAILED_LOGIN_MIN_RESPONSE_MS: '0', ...env },
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.settings;
}

/** Builds the app; `extend` may add routes before it is ready. */
export async function testApp(
  env: Record<string, string> = {},
  extend?: (app: FastifyInstance) => void,
  options: { now?: () => Date } = {},
): Promise<TestApp> {
  const settings = testSettings(env);
  const store = openStore(settings.databaseUrl);
  const migrated = await store.migrate();
  if (migrated.error) throw migrated.error;
  const { logger, text } = capturedLogger(settings.logLevel);
  const mailer = createMailerFromSettings(settings, store.mailOutbox, logger, { now: options.now });
  const identity = await createIdentityContext(settings, store, logger, {
    now: options.now,
    notifier: mailNotifier(mailer),
  });
  const gateway = await Gateway.start(identity, { pool: { healthIntervalMs: 0 } });
  const app = buildApp(settings, { store, logger, identity, gateway });
  extend?.(app);
  await app.ready();
  return {
    app,
    store,
    settings,
    identity,
    gateway,
    mailer,
    logText: text,
    async close() {
      await app.close();
      await gateway.close();
      await identity.background.idle();
      await mailer.stop();
      await identity.keyUsage.stop();
      await store.close();
    },
  };
}
