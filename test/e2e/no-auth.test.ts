import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('gatehouse serve --no-auth', () => {
  it('refuses to start on a non-loopback HOST, with exit code 2', async () => {
    const run = await runCli(['serve', '--no-auth'], {
      env: { HOST: '0.0.0.0', DATABASE_URL: 'sqlite::memory:' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--no-auth serves only on a loopback HOST');
  });

  it('on loopback serves admin routes without credentials, warns loudly and logs security_event auth_disabled', async () => {
    server = await startServerProcess({
      args: ['serve', '--no-auth'],
      env: { DATABASE_URL: 'sqlite::memory:' },
    });
    const response = await fetch(`${server.baseUrl}/auth/email/admin/users`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { users: { email: string }[] };
    expect(body.users.map((u) => u.email)).toEqual(['admin@example.com']);
    expect(server.output()).toContain('AUTHENTICATION IS DISABLED (--no-auth)');
    expect(server.output()).toContain('"security_event":"auth_disabled"');
  });

  it('without the flag the same route needs credentials', async () => {
    server = await startServerProcess({ env: { DATABASE_URL: 'sqlite::memory:' } });
    expect((await fetch(`${server!.baseUrl}/auth/email/admin/users`)).status).toBe(401);
  });
});
