import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import { runCli, runScript } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

const MIGRATE_AT = fileURLToPath(new URL('../fixtures/migrate-at.ts', import.meta.url));

describe.each(DIALECTS)('concurrent migrations on $name', (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
  });

  it('six processes migrating one empty database at the same instant apply each migration exactly once', async () => {
    database = await dialect.create();
    const at = String(Date.now() + 1500);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        runScript(MIGRATE_AT, { env: { DATABASE_URL: database!.url, MIGRATE_AT: at } }),
      ),
    );
    const outcomes = runs.map((run) => {
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { applied: string[]; error: string | null };
    });
    expect(outcomes.map((o) => o.error)).toEqual(Array(6).fill(null));
    expect(outcomes.flatMap((o) => o.applied)).toEqual(Object.keys(MIGRATIONS));
  });

  it('four processes migrating one empty database at once all succeed and apply each migration once', async () => {
    database = await dialect.create();
    const url = database.url;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => runCli(['db', 'migrate'], { env: { DATABASE_URL: url } })),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const appliedLines = runs.flatMap((run) =>
      run.stdout.split('\n').filter((l) => l.startsWith('applied ')),
    );
    expect(appliedLines).toEqual(Object.keys(MIGRATIONS).map((name) => `applied ${name}`));

    const store = openStore(url);
    try {
      const rows = await store.db
        .selectFrom('kysely_migration' as never)
        .select(['name' as never])
        .execute();
      expect(rows).toHaveLength(Object.keys(MIGRATIONS).length);
    } finally {
      await store.close();
    }
  });
});
