import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

describe.each(DIALECTS)('JSON columns with U+0000 on $name', (dialect) => {
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

  it('keeps a batch of audit events whose details hold NUL characters, and loses none of the batch', async () => {
    await store.authEvents.appendMany([
      { eventType: 'tool_call', success: true, details: { arguments: { text: 'a\u0000b' }, 'k\u0000': 1 } },
      { eventType: 'tool_call', success: true, details: { arguments: { text: 'plain' } } },
    ]);
    const events = await store.authEvents.list({ limit: 10 });
    expect(events).toHaveLength(2);
    const withNul = events.find((event) => JSON.stringify(event.details).includes('a'))!;
    const stored = events.map((event) => event.details);
    expect(stored).toContainEqual({ arguments: { text: 'plain' } });
    const expected =
      dialect.name === 'postgres'
        ? { arguments: { text: 'a\uFFFDb' }, 'k\uFFFD': 1 }
        : { arguments: { text: 'a\u0000b' }, 'k\u0000': 1 };
    expect(stored).toContainEqual(expected);
    expect(withNul).toBeDefined();
  });

  it('keeps a literal backslash-u0000 text as it is', async () => {
    await store.authEvents.append({ eventType: 'x', success: true, details: { text: '\\u0000 is not NUL' } });
    const [event] = await store.authEvents.list({ limit: 1 });
    expect(event!.details).toEqual({ text: '\\u0000 is not NUL' });
  });
});
