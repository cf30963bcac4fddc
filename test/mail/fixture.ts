import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';
import { loadSettings, type Settings } from '../../src/config/index.ts';
import { createLogger } from '../../src/http/index.ts';
import { createMailer, type Mailer, type MailerOptions, type MailTransport } from '../../src/mail/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import type { TestDatabase, TestDialect } from '../helpers/dialects.ts';
import { type SmtpServerOptions, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

/** SMTP settings for a server on 127.0.0.1:`port` (plain, no STARTTLS unless `env` says so). */
export function smtpSettings(port: number, env: Record<string, string> = {}): Settings {
  const result = loadSettings({
    env: {
      SMTP_ENABLED: 'true',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_FROM_EMAIL: 'gatehouse@example.com',
      SMTP_USE_TLS: 'false',
      SMTP_TIMEOUT_SECONDS: '5',
      ...env,
    },
  });
  expect(result.ok, result.ok ? '' : result.errors.join('; ')).toBe(true);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.settings;
}

/** A settable clock for mailers. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

/** Per-test state of the mail suites: a fresh migrated database and everything to clean up. */
export interface MailFixture {
  readonly store: Store;
  readonly url: string;
  readonly clock: TestClock;
  /** Another store on the same database (closed after the test). */
  openStore(): Store;
  /** An SMTP server, stopped after the test. */
  startServer(options?: SmtpServerOptions): Promise<TestSmtpServer>;
  /** A mailer from gatehouse@example.com on the clock, retrying after 60 s; its transport is closed after. */
  mailer(store: Store, transport: MailTransport | null, options?: Partial<MailerOptions>): Mailer;
  /** Every log line the fixture's mailers wrote. */
  logText(): string;
}

/** Registers beforeEach/afterEach hooks giving each test a fresh database of `dialect`. */
export function useMailFixture(dialect: TestDialect): MailFixture {
  let database: TestDatabase;
  let store: Store;
  let cleanups: (() => unknown)[] = [];
  let time = Date.parse('2030-01-01T00:00:00Z');
  let lines = '';
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        lines += chunk.toString();
        done();
      },
    }),
  );

  beforeEach(async () => {
    time = Date.parse('2030-01-01T00:00:00Z');
    lines = '';
    database = await dialect.create();
    store = openStore(database.url);
    cleanups.push(() => store.close());
    expect((await store.migrate()).error).toBeUndefined();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    await database.drop();
  });

  return {
    get store() {
      return store;
    },
    get url() {
      return database.url;
    },
    clock: {
      now: () => new Date(time),
      advance: (ms) => {
        time += ms;
      },
    },
    openStore() {
      const another = openStore(database.url);
      cleanups.push(() => another.close());
      return another;
    },
    async startServer(options) {
      const server = await startSmtpServer(options);
      cleanups.push(() => server.stop());
      return server;
    },
    mailer(on, transport, options = {}) {
      if (transport) cleanups.push(() => transport.close());
      const mailer = createMailer({
        outbox: on.mailOutbox,
        transport,
        from: { name: 'Gatehouse', email: 'gatehouse@example.com' },
        logger,
        now: () => new Date(time),
        backoff: () => 60_000,
        ...options,
      });
      cleanups.push(() => mailer.stop());
      return mailer;
    },
    logText: () => lines,
  };
}
