import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/identity/index.ts';
import { openStore } from '../../src/store/index.ts';
import { childEnv, GATEHOUSE_BIN, type RunResult } from '../helpers/cli.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ADMIN_PASSWORD = 'the first operator passphrase';
const RECOVERED = 'a recovered operator phrase';

/** Runs the CLI with `stdin` piped in (how passwords reach it without a terminal). */
function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, ...args], {
      env: childEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function login(server: ServerProcess, email: string, password: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/auth/email/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  await response.text();
  return response.status;
}

let server: ServerProcess | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await database?.drop();
  database = undefined;
});

describe.each(DIALECTS)('identity from the command line on $name', (dialect) => {
  it('users add, list, disable, enable, set-password, unlock and delete act on the database', async () => {
    database = await dialect.create();
    const env = { DATABASE_URL: database.url };
    expect(
      (await cli(['users', 'add', 'root@example.com', '--admin'], env, `${ADMIN_PASSWORD}\n`)).code,
    ).toBe(0);
    const added = await cli(
      ['users', 'add', 'Bob@Example.com', '--full-name', 'Bob'],
      env,
      'bob first passphrase\n',
    );
    expect(added).toMatchObject({ code: 0, stdout: 'bob@example.com\tbob@example.com\t-\n' });
    const weak = await cli(['users', 'add', 'carol@example.com'], env, 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe(
      'gatehouse: Password validation failed\n  - Password must be at least 15 characters\n',
    );

    expect((await cli(['users', 'disable', 'bob@example.com'], env)).stdout).toContain('disabled');
    expect((await cli(['users', 'enable', 'bob@example.com'], env)).stdout).not.toContain('disabled');
    expect(
      (await cli(['users', 'set-password', 'bob@example.com'], env, 'bob second passphrase\n')).code,
    ).toBe(0);

    const store = openStore(database.url);
    try {
      const bob = await store.users.findByEmail('bob@example.com');
      expect(
        await createPasswordHasher({
          memoryCost: 19456,
          timeCost: 2,
          parallelism: 1,
          maxConcurrent: 1,
          queueTimeoutMs: 1000,
        }).verify(bob!.passwordHash, 'bob second passphrase'),
      ).toBe(true);
      await store.users.update(
        bob!.id,
        { failedLoginAttempts: 5, lockedUntil: new Date(Date.now() + 60_000) },
        new Date(),
      );
    } finally {
      await store.close();
    }
    expect((await cli(['users', 'list'], env)).stdout).toContain('bob@example.com\tbob@example.com\tlocked');
    expect((await cli(['users', 'unlock', 'bob@example.com'], env)).stdout).toBe(
      'bob@example.com\tbob@example.com\t-\n',
    );
    const json = JSON.parse((await cli(['users', 'list', '--json'], env)).stdout);
    expect(json.map((u: { email: string }) => u.email)).toEqual(['bob@example.com', 'root@example.com']);

    const lastAdmin = await cli(['users', 'delete', 'root@example.com'], env);
    expect(lastAdmin).toMatchObject({ code: 1, stderr: 'gatehouse: Cannot modify last admin\n' });
    expect((await cli(['users', 'delete', 'bob@example.com'], env)).code).toBe(0);
  });

  it('hash-password warns on stderr when the password breaks the policy, and still prints its hash (break-glass)', async () => {
    const run = await cli(
      ['hash-password'],
      { DATABASE_URL: 'sqlite::memory:', PASSWORD_MIN_LENGTH: '12' },
      'short\n',
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\$argon2id\$v=19\$/);
    expect(run.stderr).toBe(
      'gatehouse: warning: this password breaks the password policy (Password must be at least 12 characters); ' +
        'its hash is printed anyway, for break-glass use: change the password after signing in\n',
    );
    const fine = await cli(
      ['hash-password'],
      { DATABASE_URL: 'sqlite::memory:' },
      'a password for break glass\n',
    );
    expect(fine.stderr).toBe('');
  });

  it('hash-password prints an Argon2id hash of the configured strength that verifies', async () => {
    const run = await cli(
      ['hash-password'],
      { DATABASE_URL: 'sqlite::memory:' },
      'a password for break glass\n',
    );
    expect(run.code).toBe(0);
    const phc = run.stdout.trim();
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const hasher = createPasswordHasher({
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
      maxConcurrent: 1,
      queueTimeoutMs: 1000,
    });
    expect(await hasher.verify(phc, 'a password for break glass')).toBe(true);
    expect(run.stdout + run.stderr).not.toContain('a password for break glass');
  });

  it('jwt create mints a token the running server accepts; jwt decode shows its claims', async () => {
    database = await dialect.create();
    const env = { DATABASE_URL: database.url, PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD };
    server = await startServerProcess({ env });
    const created = await cli(['jwt', 'create', '--email', 'admin@example.com', '--exp', '5'], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    const me = await fetch(`${server.baseUrl}/auth/email/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    const decoded = JSON.parse((await cli(['jwt', 'decode', token], env)).stdout);
    expect(decoded).toMatchObject({
      header: { alg: 'HS256' },
      payload: { email: 'admin@example.com' },
      signature_valid: true,
    });
    expect(decoded.payload.exp - decoded.payload.iat).toBe(300);
    expect((await cli(['jwt', 'create', '--email', 'nobody@example.com'], env)).code).toBe(1);
  });

  it('recover-admin restores a locked, disabled admin with the server stopped', async () => {
    database = await dialect.create();
    const env = {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MAX_FAILED_LOGIN_ATTEMPTS: '3',
    };
    server = await startServerProcess({ env });
    for (let i = 0; i < 3; i++)
      expect(await login(server, 'admin@example.com', 'guessing guessing guessing')).toBe(401);
    expect(await login(server, 'admin@example.com', ADMIN_PASSWORD)).toBe(401);
    await server.stop();

    const run = await cli(['recover-admin', '--email', 'admin@example.com'], env, `${RECOVERED}\n`);
    expect(run).toMatchObject({ code: 0, stdout: 'recovered admin admin@example.com\n' });
    server = await startServerProcess({ env });
    expect(await login(server, 'admin@example.com', RECOVERED)).toBe(200);
    const store = openStore(database.url);
    try {
      const [event] = await store.authEvents.list({ limit: 1, eventType: 'break_glass_recovery' });
      expect(event?.userEmail).toBe('admin@example.com');
    } finally {
      await store.close();
    }
  });

  it("the guide's break-glass SQL takes effect on the next request, without a restart", async () => {
    database = await dialect.create();
    const env = {
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MAX_FAILED_LOGIN_ATTEMPTS: '3',
    };
    server = await startServerProcess({ env });
    for (let i = 0; i < 3; i++) await login(server, 'admin@example.com', 'guessing guessing guessing');
    expect(await login(server, 'admin@example.com', ADMIN_PASSWORD)).toBe(401);

    const phc = (await cli(['hash-password'], env, `${RECOVERED}\n`)).stdout.trim();
    const store = openStore(database.url);
    try {
      await sql
        .raw(
          `UPDATE email_users SET password_hash='${phc}', password_change_required=false, failed_login_attempts=0, locked_until=NULL, password_changed_at=CURRENT_TIMESTAMP WHERE email='admin@example.com';`,
        )
        .execute(store.db);
    } finally {
      await store.close();
    }
    expect(await login(server, 'admin@example.com', RECOVERED)).toBe(200);
  });
});

describe('first start', () => {
  it('prints a generated admin password once, on stderr, and never again', async () => {
    database = await DIALECTS[0]!.create();
    const env = { DATABASE_URL: database.url };
    server = await startServerProcess({ env });
    await server.stop();
    const first = server.output();
    const match = /generated password:\n\n {4}(\S+)\n/.exec(first);
    expect(match).not.toBeNull();
    server = await startServerProcess({ env });
    expect(await login(server, 'admin@example.com', match![1]!)).toBe(200);
    expect(server.output()).not.toContain('generated password');
  });
});
