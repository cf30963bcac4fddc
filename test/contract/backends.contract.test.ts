import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const LATER = new Date('2026-11-22T13:00:00.000Z');
const CONFIG = {
  name: 'erp',
  transport: 'http',
  url: 'http://127.0.0.1:9/mcp',
  headers: { authorization: 'x' },
};

describe.each(DIALECTS)('backends repository on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    database = await dialect.create();
    store = openStore(database.url);
    const migrated = await store.migrate();
    if (migrated.error) throw migrated.error;
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('stores a configuration as JSON and reads it back unchanged', async () => {
    expect(await store.backends.create('erp', CONFIG, NOW)).toEqual({
      name: 'erp',
      config: CONFIG,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(await store.backends.find('erp')).toEqual({
      name: 'erp',
      config: CONFIG,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect(await store.backends.find('nope')).toBeNull();
  });

  it('refuses a taken name with null, lists by name, updates and deletes', async () => {
    await store.backends.create('wave', { name: 'wave' }, NOW);
    await store.backends.create('erp', CONFIG, NOW);
    expect(await store.backends.create('erp', CONFIG, NOW)).toBeNull();
    expect((await store.backends.list()).map((b) => b.name)).toEqual(['erp', 'wave']);
    const updated = await store.backends.update('erp', { ...CONFIG, url: 'http://127.0.0.1:10/mcp' }, LATER);
    expect(updated).toMatchObject({
      createdAt: NOW,
      updatedAt: LATER,
      config: { url: 'http://127.0.0.1:10/mcp' },
    });
    expect(await store.backends.update('nope', CONFIG, LATER)).toBeNull();
    expect(await store.backends.delete('erp')).toBe(true);
    expect(await store.backends.delete('erp')).toBe(false);
    expect((await store.backends.list()).map((b) => b.name)).toEqual(['wave']);
  });
});
