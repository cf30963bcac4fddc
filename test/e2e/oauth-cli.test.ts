import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { authorizeInBrowser, Browser, pkcePair } from '../helpers/oauth-browser.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ADMIN_PASSWORD = 'an operator passphrase here';
const REDIRECT = 'https://desk.example/callback';

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  await database?.drop();
  server = database = undefined;
});

describe.each(DIALECTS)('gatehouse oauth clients on $name', (dialect) => {
  it('add registers a client the running server accepts; list shows it; remove ends it', async () => {
    database = await dialect.create();
    const env = { DATABASE_URL: database.url, PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD };
    server = await startServerProcess({ env });
    const base = server.baseUrl;

    const added = await runCli(
      ['oauth', 'clients', 'add', '--name', 'Desk app', '--redirect-uri', REDIRECT],
      { env },
    );
    expect(added.code, added.stderr).toBe(0);
    const clientId = added.stdout.trim();
    expect(clientId).toMatch(/^gh_/);

    const listed = await runCli(['oauth', 'clients', 'list', '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        client_id: clientId,
        client_name: 'Desk app',
        redirect_uris: [REDIRECT],
        source: 'registered',
      }),
    ]);

    const authorize = () => {
      const url = new URL(`${base}/oauth/authorize`);
      const params = {
        client_id: clientId,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return url.toString();
    };
    const landed = await authorizeInBrowser(new Browser(), authorize(), base, {
      identifier: 'admin@example.com',
      password: ADMIN_PASSWORD,
    });
    expect(landed.searchParams.get('code')).toEqual(expect.any(String));

    const badUri = await runCli(
      ['oauth', 'clients', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb'],
      {
        env,
      },
    );
    expect(badUri.code).not.toBe(0);
    expect(badUri.stderr).toContain('must use https');

    const removed = await runCli(['oauth', 'clients', 'remove', clientId], { env });
    expect(removed.code, removed.stderr).toBe(0);
    const refused = await new Browser().request(authorize());
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('invalid_client');
    const again = await runCli(['oauth', 'clients', 'remove', clientId], { env });
    expect(again.code).not.toBe(0);
  });
});
