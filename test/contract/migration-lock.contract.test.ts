import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

describe.each(DIALECTS)('concurrent migrations on $name', (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
  });

  it('six stores in one process migrating one empty database at once apply each migration exactly once', async () => {
    database = await dialect.create();
    const stores = Array.from({ length: 6 }, () => openStore(database!.url));
    try {
      const outcomes = await Promise.all(stores.map((store) => store.migrate()));
      expect(outcomes.map((o) => o.error)).toEqual(Array(6).fill(undefined));
      expect(outcomes.flatMap((o) => o.applied)).toEqual(['0001_initial']);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
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
    expect(appliedLines).toEqual(['applied 0001_initial']);

    const store = openStore(url);
    try {
      const rows = await store.db
        .selectFrom('kysely_migration' as never)
        .select(['name' as never])
        .execute();
      expect(rows).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
