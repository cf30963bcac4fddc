import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  await database?.drop();
  server = database = undefined;
});

const me = (server: ServerProcess, key: string) =>
  fetch(`${server.baseUrl}/auth/email/me`, { headers: { authorization: `Bearer ${key}` } }).then(
    async (r) => {
      await r.text();
      return r.status;
    },
  );

describe.each(DIALECTS)('gatehouse tokens on $name', (dialect) => {
  it('create prints a key the running server accepts; list never shows it; revoke applies within the cache TTL', async () => {
    database = await dialect.create();
    const env = {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: 'an operator passphrase here',
      API_KEY_CACHE_TTL_SECONDS: '1',
    };
    server = await startServerProcess({ env });
    const created = await runCli(
      ['tokens', 'create', '--email', 'admin@example.com', '--name', 'ci', '--ttl-days', '7'],
      { env },
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^mcpgw_[A-Za-z0-9_-]{43}$/);
    expect(await me(server, key)).toBe(200);

    const listed = await runCli(['tokens', 'list', '--email', 'admin@example.com', '--json'], { env });
    expect(listed.stdout).not.toContain(key);
    const [view] = JSON.parse(listed.stdout);
    expect(view).toMatchObject({ name: 'ci', prefix: key.slice(0, 12), revoked_at: null });

    expect((await runCli(['tokens', 'revoke', view.id], { env })).stdout).toBe(`revoked ${view.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await me(server, key)).toBe(401);
    expect((await runCli(['tokens', 'revoke', 'no-such-id'], { env })).code).toBe(1);
  });
});
