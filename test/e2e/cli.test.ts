import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { runCli } from '../helpers/cli.ts';

const NAMES = Object.keys(MIGRATIONS);
import { DIALECTS } from '../helpers/dialects.ts';
import { freePort } from '../helpers/ports.ts';

const SECRETS = {
  JWT_SECRET_KEY: 'jwt-secret-value-0123456789abcdefghij',
  PLATFORM_ADMIN_PASSWORD: 'admin-password-value-xyz',
  SMTP_PASSWORD: 'smtp-password-value',
  DATABASE_URL: 'postgres://gate:db-password-value@db.internal:5432/gatehouse',
  REDIS_URL: 'redis://:redis-password-value@cache:6379/0',
};

describe('gatehouse config check', () => {
  it('prints every effective setting with every secret redacted', async () => {
    const run = await runCli(['config', 'check'], { env: { ...SECRETS, SMTP_USER: 'mailer', PORT: '8080' } });
    expect(run.code).toBe(0);
    const output = run.stdout + run.stderr;
    for (const secret of [
      'jwt-secret-value',
      'admin-password-value',
      'smtp-password-value',
      'db-password-value',
      'redis-password-value',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(run.stdout).toMatch(/JWT_SECRET_KEY\s+\[redacted\]\s+\(env\)/);
    expect(run.stdout).toMatch(/PLATFORM_ADMIN_PASSWORD\s+\[redacted\]/);
    expect(run.stdout).toMatch(/SMTP_PASSWORD\s+\[redacted\]/);
    expect(run.stdout).toContain('postgres://gate:[redacted]@db.internal:5432/gatehouse');
    expect(run.stdout).toContain('redis://:[redacted]@cache:6379/0');
    expect(run.stdout).toMatch(/PORT\s+8080\s+\(env\)/);
    expect(run.stdout).toMatch(/SMTP_USER\s+mailer/);
    expect(run.stdout).toContain('Configuration is valid.');
  });

  it('lists the warnings', async () => {
    const run = await runCli(['config', 'check'], { env: { DATABASE_URL: 'sqlite::memory:' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Warnings \(\d+\):/);
    expect(run.stdout).toContain('JWT_SECRET_KEY is not set');
  });

  it('prints JSON with --json, still redacted', async () => {
    const run = await runCli(['config', 'check', '--json'], { env: SECRETS });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.settings.find((s: { name: string }) => s.name === 'JWT_SECRET_KEY').value).toBe(
      '[redacted]',
    );
    expect(run.stdout).not.toContain('jwt-secret-value');
  });

  it('exits 2 listing every invalid setting, without echoing secrets', async () => {
    const run = await runCli(['config', 'check'], { env: { PORT: 'abc', JWT_SECRET_KEY: 'short-secret' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PORT must be an integer 1-65535, got "abc"');
    expect(run.stderr).toContain('JWT_SECRET_KEY must be a string of at least 32 characters');
    expect(run.stderr).not.toContain('short-secret');
  });
});

describe('gatehouse serve with invalid settings', () => {
  it('PORT=abc exits 2 naming PORT, with no stack trace', async () => {
    const run = await runCli([], { env: { PORT: 'abc' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'gatehouse: invalid configuration\n  PORT must be an integer 1-65535, got "abc"\n',
    );
  });

  it('a --config file with an unknown key exits 2 naming it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-')), 'gatehouse.yaml');
    writeFileSync(file, 'prot: 80\n');
    const run = await runCli(['--config', file, 'serve']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Unknown setting "prot" in config file ${file}`);
  });
});

describe('gatehouse usage', () => {
  it('--help exits 0 and documents the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes: 0 success, 1 runtime failure, 2 invalid settings or usage.');
    for (const command of ['serve', 'config', 'db']) expect(run.stdout).toContain(command);
  });

  it.each([
    ['db', '--help'],
    ['config', 'check', '--help'],
    ['serve', '--help'],
    ['db', 'migrate', '--help'],
  ])('%s %s has help', async (...args) => {
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: gatehouse');
  });

  it('an unknown command or option exits 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['db', 'explode'])).code).toBe(2);
    expect((await runCli(['config', 'check', '--nope'])).code).toBe(2);
  });
});

describe('gatehouse db', () => {
  it('exits 1 with a clear message when PostgreSQL cannot be reached', async () => {
    const run = await runCli(['db', 'status'], {
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('gatehouse: the database does not answer (check DATABASE_URL)\n');
  });

  describe.each(DIALECTS)('on $name', (dialect) => {
    it('status lists the migration as pending, migrate applies it, status then shows it applied', async () => {
      const database = await dialect.create();
      try {
        const env = { DATABASE_URL: database.url };
        const before = await runCli(['db', 'status'], { env });
        expect(before.code).toBe(0);
        for (const name of NAMES) expect(before.stdout).toContain(`${name}  pending`);
        expect(before.stdout).toContain(`0 applied, ${NAMES.length} pending (${dialect.name})`);

        const migrate = await runCli(['db', 'migrate'], { env });
        expect(migrate.code).toBe(0);
        expect(migrate.stdout).toBe(NAMES.map((name) => `applied ${name}\n`).join(''));

        const again = await runCli(['db', 'migrate'], { env });
        expect(again.stdout).toBe('Database is up to date.\n');

        const after = await runCli(['db', 'status'], { env });
        for (const name of NAMES)
          expect(after.stdout).toMatch(new RegExp(`${name} {2}applied \\d{4}-\\d{2}-\\d{2}T`));
        expect(after.stdout).toContain(`${NAMES.length} applied, 0 pending`);
      } finally {
        await database.drop();
      }
    });

    it('on a database a newer Gatehouse migrated, status names the unknown migration and exits 1, and migrate and serve refuse saying so', async () => {
      const database = await dialect.create();
      try {
        const env = { DATABASE_URL: database.url };
        expect((await runCli(['db', 'migrate'], { env })).code).toBe(0);
        const store = openStore(database.url);
        try {
          await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2027-01-01T00:00:00.000Z')`.execute(
            store.db,
          );
        } finally {
          await store.close();
        }

        const status = await runCli(['db', 'status'], { env });
        expect(status.code).toBe(1);
        for (const name of NAMES) expect(status.stdout).toMatch(new RegExp(`${name} {2}applied `));
        expect(status.stdout).toMatch(
          /9999_from_the_future {2}applied \S+ {2}not known to this version of Gatehouse/,
        );
        expect(status.stdout).toContain(
          `${NAMES.length} applied, 0 pending, 1 unknown: a newer version of Gatehouse migrated this database (${dialect.name})`,
        );

        const newer =
          'the database was migrated by a newer version of Gatehouse (9999_from_the_future is not known to this one): ' +
          'run that version, or restore a backup taken before the upgrade';
        const migrate = await runCli(['db', 'migrate'], { env });
        expect(migrate.code).toBe(1);
        expect(migrate.stderr).toBe(`gatehouse: migration failed: ${newer}\n`);

        const serve = await runCli(['serve'], { env: { ...env, PORT: String(await freePort()) } });
        expect(serve.code).toBe(1);
        expect(serve.stderr).toContain(`gatehouse: database migration failed: ${newer}`);
      } finally {
        await database.drop();
      }
    });
  });
});
