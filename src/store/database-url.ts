/** Where a DATABASE_URL points: a SQLite file (or memory) or a PostgreSQL server. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; filename: string; inMemory: boolean }
  | { dialect: 'postgres'; connectionString: string };

/**
 * Parses a DATABASE_URL: `sqlite:PATH`, `sqlite::memory:`, SQLAlchemy-style `sqlite:///PATH`,
 * or `postgres://` / `postgresql://`. Returns null for anything else.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget | null {
  const value = url.trim();
  if (value.startsWith('sqlite:')) {
    let path = value.slice('sqlite:'.length);
    // sqlite:///relative.db and sqlite:////absolute.db, as ContextForge's SQLAlchemy URLs write them.
    if (path.startsWith('///')) path = path.slice(3);
    else if (path.startsWith('//')) return null;
    if (path === '') return null;
    if (path === ':memory:') return { dialect: 'sqlite', filename: ':memory:', inMemory: true };
    return { dialect: 'sqlite', filename: path, inMemory: false };
  }
  if (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value)) {
    const parsed = new URL(value);
    // A host, or a database name with the host in the query (a Unix socket), must be present.
    if (parsed.host === '' && parsed.pathname.length <= 1) return null;
    return { dialect: 'postgres', connectionString: value };
  }
  return null;
}
