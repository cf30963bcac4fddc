import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/store/index.ts';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./data/gatehouse.db', { dialect: 'sqlite', filename: './data/gatehouse.db', inMemory: false }],
    ['sqlite::memory:', { dialect: 'sqlite', filename: ':memory:', inMemory: true }],
    [
      'sqlite:/var/lib/gatehouse/gh.db',
      { dialect: 'sqlite', filename: '/var/lib/gatehouse/gh.db', inMemory: false },
    ],
    ['sqlite:///./mcp.db', { dialect: 'sqlite', filename: './mcp.db', inMemory: false }],
    ['sqlite:////var/lib/mcp.db', { dialect: 'sqlite', filename: '/var/lib/mcp.db', inMemory: false }],
    ['postgres://u:p@db:5432/gh', { dialect: 'postgres', connectionString: 'postgres://u:p@db:5432/gh' }],
    ['postgresql://db/gh', { dialect: 'postgres', connectionString: 'postgresql://db/gh' }],
  ])('parses %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each(['sqlite:', 'sqlite://host/x.db', 'mysql://db/gh', 'postgres://', '', 'gatehouse.db'])(
    'returns null for %j',
    (url) => {
      expect(parseDatabaseUrl(url)).toBeNull();
    },
  );
});
