// Keeps docs/administration/password-management.md true, part 1: the text itself (outline,
// settings, messages, screenshots), its Helm values rendered with the chart, the `gatehouse`
// commands it names, and the FAQ's cookie and origin answers against a real server. The SQL, API
// and CLI parts run in password-management-{sql,api,cli}.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ERROR_CATALOGUE } from '../../src/errors/index.ts';
import { renderChart } from '../deploy/chart.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { API_SECTION, blocks, BLOCKS, DOC, DOC_REQUESTS, JANE_NEW, TEMPORARY } from './guide.ts';
import { inlineCode, shellCommands } from './markdown.ts';
import { cliHelp, gatehouseCommands, unknownOptions } from './snippets.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, deploy, JANE_EMAIL, request, tokenFor, userPath } from './support.ts';

describe('the password management guide, as text', () => {
  it('is split into the sections of the reference outline', () => {
    const h2 = [...DOC.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(h2).toEqual([
      'Overview',
      'Admin UI password reset',
      'Kubernetes and Helm',
      API_SECTION,
      'Emergency recovery',
      'Appendix',
      'FAQ',
    ]);
    for (const h3 of [
      'Password storage (Argon2id)',
      'Password policy',
      'Account lockout',
      'Prerequisites',
      'Step by step',
      'Screenshots',
      'Troubleshooting',
      'Method 1: Helm values update',
      'Method 2: Direct database update',
      'Unlocking accounts',
      'Several replicas',
      'Authentication',
      'Endpoint reference',
      'curl examples',
      'TypeScript example (fetch)',
      'Python example (urllib)',
      'Tokens for automation',
      'Complete lockout',
      'Bootstrap re-initialisation',
      'SQL reference',
      'Post-recovery checklist',
      'Incident record template',
      'Password policy reference',
      'Settings',
      'SQL command reference',
      'Security considerations',
    ])
      expect(DOC).toContain(`\n### ${h3}\n`);
    expect(DOC).toMatch(/^#### Generating password hashes$/m);
    expect(DOC).toMatch(/^### Login over plain HTTP on localhost/m);
    expect(DOC).toMatch(/^### I changed PLATFORM_ADMIN_PASSWORD but nothing happened$/m);
    expect(DOC).toMatch(/^### A user is locked out$/m);
    expect(DOC).toMatch(/^### The reset e-mail never arrives$/m);
  });

  it('sends exactly these curl requests, in this order', () => {
    expect(DOC_REQUESTS).toEqual([
      { method: 'POST', path: '/auth/email/login', body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } },
      {
        method: 'PUT',
        path: '/auth/email/admin/users/jane%40example.com',
        body: { password: TEMPORARY, password_change_required: true },
      },
      { method: 'POST', path: '/auth/email/admin/users/jane%40example.com/unlock' },
      { method: 'GET', path: '/auth/email/admin/users/jane%40example.com' },
      { method: 'POST', path: '/auth/email/login', body: { email: JANE_EMAIL, password: TEMPORARY } },
      {
        method: 'POST',
        path: '/auth/email/change-password',
        body: { old_password: TEMPORARY, new_password: JANE_NEW },
      },
      { method: 'GET', path: '/auth/email/me' },
      { method: 'GET', path: '/auth/email/admin/events?user=jane%40example.com&limit=20' },
      { method: 'GET', path: '/auth/email/admin/users?limit=10' },
      { method: 'POST', path: '/auth/email/logout' },
    ]);
  });

  it('marks code blocks with their language: sql, sh, ts, python, yaml, json or text', () => {
    for (const block of BLOCKS)
      expect(['sql', 'sh', 'ts', 'python', 'yaml', 'json', 'text']).toContain(block.lang);
    for (const block of BLOCKS.filter((b) => b.lang === 'sh'))
      expect(block.code, `sh block at line ${block.line}`).not.toMatch(/^\s*(UPDATE|SELECT)\s/im);
    expect(blocks('ts')).toHaveLength(1);
    expect(blocks('python')).toHaveLength(1);
  });

  it('gives every setting the default docs/configuration.md gives it', () => {
    const configuration = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const defaults = new Map(
      [...configuration.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
    );
    const settings = DOC.slice(DOC.indexOf('\n### Settings\n'), DOC.indexOf('\n### SQL command reference\n'));
    const rows = [...settings.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)];
    expect(rows.length).toBeGreaterThan(35);
    for (const [, name, value] of rows) {
      expect(defaults.has(name!), `${name} is a setting`).toBe(true);
      expect(value!.trim(), name).toBe(defaults.get(name!));
    }
    // Every setting the prose mentions with a default in parentheses has that default.
    for (const [, name, value] of DOC.matchAll(/`([A-Z][A-Z0-9_]+)` \((\d+)(?: KiB)?\)/g)) {
      expect(defaults.get(name!), name).toBe(`\`${value}\``);
    }
  });

  it('quotes the messages the UI and the API really show', () => {
    const ui = (file: string) =>
      readFileSync(new URL(`../../ui/src/components/${file}`, import.meta.url), 'utf8');
    const setPassword = ui('SetPasswordForm.tsx');
    const details = ui('UserDetailsForm.tsx');
    for (const text of ['User updated successfully', 'Passwords do not match', 'Set password'])
      expect(setPassword).toContain(text);
    expect(details).toContain('User updated successfully');
    expect(ui('NewPasswordFields.tsx')).toContain('Repeat the password');
    expect(setPassword).toContain('Ask the user to choose a new password at next sign-in');
    expect(setPassword).toContain("This user's password is set in the user file.");
    expect(ERROR_CATALOGUE.password_policy.message).toBe('Password validation failed');
    expect(ERROR_CATALOGUE.last_admin.message).toBe('Cannot modify last admin');
    const authenticate = readFileSync(
      new URL('../../src/http/plugins/authenticate.ts', import.meta.url),
      'utf8',
    );
    expect(authenticate).toContain("'Missing or invalid CSRF token'");
    for (const text of [
      '"Passwords do not match"',
      '"Password validation failed"',
      '"Cannot modify last admin"',
      '"Missing or invalid CSRF token"',
      '**User updated successfully**',
      '**Unlock**',
      '**Set password**',
    ])
      expect(DOC).toContain(text);
  });

  it('shows screenshots of the admin UI that exist', () => {
    const images = [...DOC.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(images).toEqual(
      expect.arrayContaining(['../images/admin-users.png', '../images/admin-user-edit.png']),
    );
    for (const image of images)
      expect(() =>
        readFileSync(new URL(`../../docs/administration/${image}`, import.meta.url)),
      ).not.toThrow();
  });
});

describe('the Helm values of Method 1, rendered with the chart', () => {
  const yamlBlocks = blocks('yaml', (b) => b.h3 === 'Method 1: Helm values update');
  const values = parseYaml(yamlBlocks[0]?.code ?? '') as { platformAdminPassword: string };
  const base = {
    publicBaseUrl: 'https://gatehouse.example.com',
    jwtSecretKey: 'k'.repeat(64),
    database: { url: 'postgres://gatehouse:pw@postgres:5432/gatehouse' },
  };

  it('set platformAdminPassword in the Secret the pods read, and roll the Deployment the guide names', () => {
    expect(yamlBlocks).toHaveLength(1);
    const before = renderChart(
      { ...base, platformAdminPassword: 'An-Earlier-Value-Entirely-1' },
      'gatehouse',
    );
    const after = renderChart({ ...base, ...values }, 'gatehouse');
    const deployment = after.byKind('Deployment')!;
    const secret = after.byKind('Secret')!;
    expect(deployment.metadata.name).toBe('gatehouse');
    expect(secret.metadata.name).toBe('gatehouse');
    expect(Buffer.from(secret.data.PLATFORM_ADMIN_PASSWORD, 'base64').toString()).toBe(
      values.platformAdminPassword,
    );
    expect(secret.data.DATABASE_URL).toBeDefined();
    expect(deployment.spec.template.spec.containers[0].envFrom[0].secretRef.name).toBe('gatehouse');
    expect(deployment.spec.template.metadata.annotations['checksum/secret']).not.toBe(
      before.byKind('Deployment')!.spec.template.metadata.annotations['checksum/secret'],
    );
    expect(deployment.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('gatehouse');
    // Another release name gives <release>-gatehouse, as the guide says.
    expect(renderChart({ ...base, ...values }, 'prod').byKind('Deployment')!.metadata.name).toBe(
      'prod-gatehouse',
    );
  });

  it('use only chart paths, names and values that exist', () => {
    const commands = blocks('sh').flatMap((b) => shellCommands(b.code));
    const helm = commands.filter((c) => c.startsWith('helm '));
    expect(helm).toEqual([
      'helm upgrade gatehouse charts/gatehouse -n gatehouse --reuse-values -f admin-password.yaml',
    ]);
    expect(DOC).toContain(
      "`helm upgrade gatehouse charts/gatehouse -n gatehouse --reuse-values --set platformAdminPassword='Violet-Meadow-Sonata-1987'`",
    );
    expect(values.platformAdminPassword).toBe('Violet-Meadow-Sonata-1987');
    for (const command of commands.filter((c) => c.includes('kubectl'))) {
      for (const [, resource] of command.matchAll(/\b(deploy|deployment)\/([\w-]+)/g))
        expect(['deploy', 'deployment']).toContain(resource);
      for (const [, name] of command.matchAll(/\b(?:deploy|deployment)\/([\w-]+)/g))
        expect(name).toBe('gatehouse');
      if (command.includes(' -n ')) expect(command).toContain(' -n gatehouse');
    }
    const secretCommand = commands.find((c) => c.includes('kubectl get secret'))!;
    expect(secretCommand).toContain(
      "kubectl get secret gatehouse -n gatehouse -o jsonpath='{.data.DATABASE_URL}'",
    );
  });
});

describe('the FAQ on cookies and origins', () => {
  it(
    'a plain-HTTP login sets a cookie without Secure, an https PUBLIC_BASE_URL a __Host- Secure one; changes from another origin are refused',
    { timeout: 90_000 },
    async () => {
      const [dialect] = DIALECTS;
      const plain = await deploy(dialect!);
      const secure = await deploy(dialect!, { env: { PUBLIC_BASE_URL: 'https://gatehouse.example.com' } });
      try {
        const base = plain.servers[0]!.baseUrl;
        const session = await request(base, 'POST', '/auth/session', {
          body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
        });
        const cookie = session.headers.get('set-cookie')!;
        expect(cookie).toMatch(/^gatehouse_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
        const httpsCookie = (
          await request(secure.servers[0]!.baseUrl, 'POST', '/auth/session', {
            body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
          })
        ).headers.get('set-cookie')!;
        expect(httpsCookie).toMatch(
          /^__Host-gatehouse_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
        );

        // The page at http://localhost while PUBLIC_BASE_URL defaults to http://127.0.0.1:PORT.
        const jar = cookie.split(';')[0]!;
        const headers = { cookie: jar, 'x-csrf-token': session.body.csrf_token as string };
        const body = { full_name: 'Platform admin' };
        const port = new URL(base).port;
        const other = await request(base, 'PATCH', userPath(ADMIN_EMAIL), {
          body,
          headers: { ...headers, origin: `http://localhost:${port}` },
        });
        expect(other.status).toBe(403);
        expect(other.body.message).toBe('Missing or invalid CSRF token');
        const same = await request(base, 'PATCH', userPath(ADMIN_EMAIL), {
          body,
          headers: { ...headers, origin: `http://127.0.0.1:${port}` },
        });
        expect(same.status).toBe(200);
        // A bearer token has no Origin check.
        const token = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
        const bearer = await request(base, 'PATCH', userPath(ADMIN_EMAIL), {
          token,
          body,
          headers: { origin: `http://localhost:${port}` },
        });
        expect(bearer.status).toBe(200);
      } finally {
        await plain.stop();
        await secure.stop();
      }
    },
  );
});

describe('every gatehouse command the guide mentions, in code or prose', () => {
  it('names a command and options the CLI has', { timeout: 60_000 }, async () => {
    const commands = gatehouseCommands([
      ...inlineCode(DOC),
      ...blocks('sh').flatMap((b) => shellCommands(b.code)),
    ]);
    expect(commands.length).toBeGreaterThan(8);
    const help = cliHelp();
    for (const command of commands) expect(await unknownOptions(command, help), command).toEqual([]);
  });
});
