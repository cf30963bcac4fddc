import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';
import { authorizeInBrowser, Browser, formOf, pkcePair } from '../helpers/oauth-browser.ts';

const PASSWORD = 'a long user passphrase 42';
const REDIRECT = 'https://client.example/callback';
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let gateway: GatewayUnderTest;
let base = '';

async function register(metadata: Record<string, unknown> = {}) {
  const response = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Attack test client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function authorizeUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${base}/oauth/authorize`);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

async function token(form: Record<string, string>) {
  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A fresh client, signed in as `user`, with an authorization code for `resource` and `scope`. */
async function codeFor(options: { user?: string; resource?: string; scope?: string } = {}) {
  const client = await register();
  expect(client.status, JSON.stringify(client.body)).toBe(201);
  const pkce = pkcePair();
  const landed = await authorizeInBrowser(
    new Browser(),
    authorizeUrl({
      client_id: client.body.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: options.scope ?? 'mcp',
      resource: options.resource ?? `${base}/mcp`,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'xyz',
    }),
    base,
    { identifier: options.user ?? 'mallory@example.com', password: PASSWORD },
  );
  const code = landed.searchParams.get('code');
  expect(code, landed.toString()).toEqual(expect.any(String));
  return { clientId: String(client.body.client_id), code: code!, verifier: pkce.verifier };
}

async function tokensFor(options: { user?: string; resource?: string; scope?: string } = {}) {
  const { clientId, code, verifier } = await codeFor(options);
  const issued = await token({
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  return {
    clientId,
    accessToken: String(issued.body.access_token),
    refreshToken: String(issued.body.refresh_token),
    code,
    verifier,
  };
}

async function mcpPing(accessToken: string, path = '/mcp', query = '') {
  return fetch(`${base}${path}${query}`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...(query ? {} : { authorization: `Bearer ${accessToken}` }) },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'attack', version: '1' },
      },
    }),
  });
}

async function createUser(email: string) {
  const created = await gateway.api('POST', '/auth/email/admin/users', gateway.admin, {
    email,
    password: PASSWORD,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

beforeAll(async () => {
  gateway = await startGateway({ MAX_FAILED_LOGIN_ATTEMPTS: '3' });
  base = gateway.server.baseUrl;
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  await createUser('mallory@example.com');
});

afterAll(async () => {
  await gateway?.stop();
});

describe('OAuth metadata', () => {
  it('advertises S256 only, no implicit or password grant, and per-endpoint protected resources', async () => {
    const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.issuer).toBe(base);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
    expect(metadata.token_endpoint).toBe(`${base}/oauth/token`);
    const root = await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json();
    expect(root).toMatchObject({
      resource: `${base}/mcp`,
      authorization_servers: [base],
      scopes_supported: ['mcp'],
    });
    const perBackend = (await (
      await fetch(`${base}/.well-known/oauth-protected-resource/servers/echo/mcp`)
    ).json()) as { resource: string };
    expect(perBackend.resource).toBe(`${base}/servers/echo/mcp`);
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/admin`)).status).toBe(404);
  });

  it('points every 401 of an MCP endpoint at its resource metadata', async () => {
    for (const [path, resource] of [
      ['/mcp', '/mcp'],
      ['/mcp/v1', '/mcp'],
      ['/servers/echo/mcp', '/servers/echo/mcp'],
    ]) {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: MCP_HEADERS, body: '{}' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="gatehouse", resource_metadata="${base}/.well-known/oauth-protected-resource${resource}", scope="mcp"`,
      );
    }
  });
});

describe('redirect URIs are matched exactly', () => {
  for (const [variant, uri] of [
    ['trailing slash', `${REDIRECT}/`],
    ['case', REDIRECT.replace('callback', 'Callback')],
    ['extra query', `${REDIRECT}?next=1`],
    ['other host', 'https://evil.example/callback'],
  ] as const) {
    it(`refuses a redirect URI that differs by ${variant}, without redirecting there`, async () => {
      const client = await register();
      const pkce = pkcePair();
      const response = await new Browser().request(
        authorizeUrl({
          client_id: client.body.client_id,
          response_type: 'code',
          redirect_uri: uri,
          scope: 'mcp',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(response.status).toBe(400);
      expect(response.location).toBeNull();
      expect(response.body).toContain('redirect_uri');
    });
  }

  it('refuses to register a plain-http redirect URI on a public host', async () => {
    const refused = await register({ redirect_uris: ['http://evil.example/callback'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_redirect_uri');
  });
});

describe('PKCE is required and S256 only', () => {
  const start = async (challenge: Record<string, string | undefined>) => {
    const client = await register();
    const response = await new Browser().request(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        ...challenge,
      }),
    );
    return new URL(response.location ?? `${base}/none`);
  };

  it('refuses an authorization request without a code challenge', async () => {
    const landed = await start({});
    expect(landed.origin + landed.pathname).toBe(REDIRECT);
    expect(landed.searchParams.get('error')).toBe('invalid_request');
    expect(landed.searchParams.get('code')).toBeNull();
  });

  it('refuses the plain method', async () => {
    const landed = await start({ code_challenge: pkcePair().verifier, code_challenge_method: 'plain' });
    expect(landed.searchParams.get('error')).toBe('invalid_request');
    expect(landed.searchParams.get('code')).toBeNull();
  });

  it('refuses a wrong verifier and a missing verifier at the token endpoint', async () => {
    const { clientId, code } = await codeFor();
    const wrong = await token({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkcePair().verifier,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const again = await codeFor();
    const missing = await token({
      grant_type: 'authorization_code',
      client_id: again.clientId,
      code: again.code,
      redirect_uri: REDIRECT,
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
  });
});

describe('codes and refresh tokens are single-use', () => {
  it('a replayed code fails and revokes what the code issued', async () => {
    const issued = await tokensFor();
    expect((await mcpPing(issued.accessToken)).status).toBe(200);
    const replay = await token({
      grant_type: 'authorization_code',
      client_id: issued.clientId,
      code: issued.code,
      redirect_uri: REDIRECT,
      code_verifier: issued.verifier,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await mcpPing(issued.accessToken)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('refresh tokens rotate, and reusing a rotated one revokes the whole grant', async () => {
    const issued = await tokensFor();
    const rotated = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(issued.refreshToken);
    expect((await mcpPing(String(rotated.body.access_token))).status).toBe(200);

    const reuse = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(reuse.body.error).toBe('invalid_grant');
    const successor = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: String(rotated.body.refresh_token),
    });
    expect(successor.body.error).toBe('invalid_grant');
    expect((await mcpPing(String(rotated.body.access_token))).status).toBe(401);
  });
});

describe('revocation', () => {
  it('a refresh token revoked at /oauth/revoke can no longer be used', async () => {
    const issued = await tokensFor();
    const revoked = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: issued.clientId,
        token: issued.refreshToken,
        token_type_hint: 'refresh_token',
      }).toString(),
    });
    expect(revoked.status).toBe(200);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it("an admin setting a user's password ends the user's grants", async () => {
    await createUser('sam@example.com');
    const issued = await tokensFor({ user: 'sam@example.com' });
    const set = await gateway.api('PATCH', '/auth/email/admin/users/sam@example.com', gateway.admin, {
      password: 'an admin chosen passphrase 9',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await mcpPing(issued.accessToken)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
    const grants = await gateway.api('GET', '/oauth/grants', gateway.admin);
    expect(grants.body.grants.some((g: { user_email: string }) => g.user_email === 'sam@example.com')).toBe(
      false,
    );
  });
});

describe('grants and response types that do not exist here', () => {
  it('refuses grant_type=password', async () => {
    const client = await register();
    const response = await token({
      grant_type: 'password',
      client_id: client.body.client_id,
      username: 'mallory@example.com',
      password: PASSWORD,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });

  it('refuses response_type=token (implicit)', async () => {
    const client = await register();
    const response = await new Browser().request(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'token',
        redirect_uri: REDIRECT,
        scope: 'mcp',
      }),
    );
    const landed = new URL(response.location ?? `${base}/none`);
    const error = landed.searchParams.get('error') ?? new URLSearchParams(landed.hash.slice(1)).get('error');
    expect(error).toBe('unsupported_response_type');
    expect(landed.hash).not.toContain('access_token');
  });
});

describe('access tokens are bound to one MCP endpoint', () => {
  it('refuses a token issued for another resource', async () => {
    const issued = await tokensFor({ resource: `${base}/servers/echo/mcp` });
    expect((await mcpPing(issued.accessToken, '/servers/echo/mcp')).status).toBe(200);
    const elsewhere = await mcpPing(issued.accessToken, '/mcp');
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toEqual({ error: 'Unauthorized' });
  });

  it("refuses a resource that is not one of Gatehouse's endpoints", async () => {
    const client = await register();
    const pkce = pkcePair();
    const response = await new Browser().request(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        resource: 'https://api.other.example/mcp',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(new URL(response.location!).searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a token in the query string', async () => {
    const issued = await tokensFor();
    const response = await mcpPing(issued.accessToken, '/mcp', `?access_token=${issued.accessToken}`);
    expect(response.status).toBe(401);
  });

  it('is never accepted by the REST API', async () => {
    const issued = await tokensFor();
    const response = await fetch(`${base}/auth/email/me`, {
      headers: { authorization: `Bearer ${issued.accessToken}` },
    });
    expect(response.status).toBe(401);
  });

  it('answers 403 insufficient_scope to a token without the mcp scope', async () => {
    const issued = await tokensFor({ scope: 'openid' });
    const response = await mcpPing(issued.accessToken);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});

describe('the user behind a grant', () => {
  it("a disabled user's tokens stop working on the next request, and cannot be refreshed", async () => {
    await createUser('dana@example.com');
    const issued = await tokensFor({ user: 'dana@example.com' });
    expect((await mcpPing(issued.accessToken)).status).toBe(200);
    expect(
      (
        await gateway.api('PATCH', '/auth/email/admin/users/dana@example.com', gateway.admin, {
          is_active: false,
        })
      ).status,
    ).toBe(200);
    expect((await mcpPing(issued.accessToken)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it("a password change revokes the user's refresh tokens", async () => {
    await createUser('pat@example.com');
    const issued = await tokensFor({ user: 'pat@example.com' });
    const login = await fetch(`${base}/auth/email/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'pat@example.com', password: PASSWORD }),
    });
    const session = ((await login.json()) as { access_token: string }).access_token;
    const changed = await gateway.api('POST', '/auth/email/change-password', session, {
      old_password: PASSWORD,
      new_password: 'another long passphrase 77',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const refresh = await token({
      grant_type: 'refresh_token',
      client_id: issued.clientId,
      refresh_token: issued.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await mcpPing(issued.accessToken)).status).toBe(401);
  });
});

describe('client metadata documents (client_id is an https URL)', () => {
  for (const target of [
    'https://127.0.0.1/client.json',
    'https://10.1.2.3/client.json',
    'https://[::1]/client.json',
    'https://localhost/client.json',
  ]) {
    it(`refuses ${target} without fetching it`, async () => {
      const pkce = pkcePair();
      const response = await new Browser().request(
        authorizeUrl({
          client_id: target,
          response_type: 'code',
          redirect_uri: REDIRECT,
          scope: 'mcp',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(response.status).toBe(400);
      expect(response.location).toBeNull();
      expect(response.body).toContain('invalid_client');
    });
  }
});

describe('the sign-in and consent pages', () => {
  const openLogin = async () => {
    const client = await register();
    const pkce = pkcePair();
    const browser = new Browser();
    const page = await browser.follow(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      base,
    );
    expect(page.status).toBe(200);
    return { browser, page, form: formOf(page.body, base) };
  };

  it('cannot be framed, runs no script, and is not cached', async () => {
    const { page } = await openLogin();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).not.toContain('<script');
  });

  it('refuses a sign-in post without the form token, or from another site', async () => {
    const { browser, form } = await openLogin();
    const credentials = { identifier: 'mallory@example.com', password: PASSWORD };
    const noToken = await browser.request(form.action, { form: credentials });
    expect(noToken.status).toBe(403);
    const crossSite = await browser.request(form.action, {
      form: { ...credentials, csrf: form.csrf },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const elsewhere = await new Browser().request(form.action, { form: { ...credentials, csrf: form.csrf } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.location).toBeNull();
  });

  it('answers wrong passwords generically and locks the account like every other login', async () => {
    await createUser('lou@example.com');
    const { browser, form } = await openLogin();
    for (let attempt = 0; attempt < 3; attempt++) {
      const failed = await browser.request(form.action, {
        form: { identifier: 'lou@example.com', password: 'wrong password here', csrf: form.csrf },
      });
      expect(failed.status).toBe(401);
      expect(failed.body).toContain('Invalid email or password.');
    }
    const locked = await browser.request(form.action, {
      form: { identifier: 'lou@example.com', password: PASSWORD, csrf: form.csrf },
    });
    expect(locked.status).toBe(401);
    expect(locked.body).toContain('Invalid email or password.');
    const users = await gateway.api('GET', '/auth/email/admin/users/lou@example.com', gateway.admin);
    expect(users.body.locked_until ?? users.body.user?.locked_until).toEqual(expect.any(String));
  });

  it('shows the client name, redirect host and scopes on the consent page, and a denial reaches the client', async () => {
    const client = await register({ client_name: 'Consent <Check>' });
    const pkce = pkcePair();
    const browser = new Browser();
    let page = await browser.follow(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      base,
    );
    const login = formOf(page.body, base);
    const posted = await browser.request(login.action, {
      form: { ...login.fields, identifier: 'mallory@example.com', password: PASSWORD },
    });
    page = await browser.follow(posted.location!, base);
    expect(page.body).toContain('Consent &lt;Check&gt;');
    expect(page.body).toContain('client.example');
    expect(page.body).toContain('<code>mcp</code>');
    const consent = formOf(page.body, base);
    const denied = await browser.request(consent.action, { form: { ...consent.fields, decision: 'deny' } });
    const landed = new URL((await browser.follow(denied.location!, base)).location!);
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('code')).toBeNull();
  });
});

describe('forced password change during sign-in', () => {
  it('asks for a new password on the page, enforces the policy, then continues the authorization', async () => {
    const created = await gateway.api('POST', '/auth/email/admin/users', gateway.admin, {
      email: 'fern@example.com',
      password: PASSWORD,
      password_change_required: true,
    });
    expect(created.status).toBe(201);
    const client = await register();
    const pkce = pkcePair();
    const browser = new Browser();
    let page = await browser.follow(
      authorizeUrl({
        client_id: client.body.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'mcp',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
      base,
    );
    const login = formOf(page.body, base);
    const change = await browser.request(login.action, {
      form: { ...login.fields, identifier: 'fern@example.com', password: PASSWORD },
    });
    expect(change.status).toBe(200);
    expect(change.body).toContain('Change your password');
    const form = formOf(change.body, base);
    const mismatch = await browser.request(form.action, {
      form: {
        ...form.fields,
        current_password: PASSWORD,
        new_password: 'a fresh passphrase 1',
        confirm_password: 'other',
      },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain('Passwords do not match');
    const forged = await browser.request(form.action, {
      form: {
        ...form.fields,
        identifier: 'mallory@example.com',
        current_password: PASSWORD,
        new_password: 'a fresh passphrase 1',
        confirm_password: 'a fresh passphrase 1',
      },
    });
    expect(forged.status).toBe(401);
    const changed = await browser.request(form.action, {
      form: {
        ...form.fields,
        current_password: PASSWORD,
        new_password: 'a fresh passphrase 1',
        confirm_password: 'a fresh passphrase 1',
      },
    });
    expect(changed.status).toBe(303);
    page = await browser.follow(changed.location!, base);
    expect(page.body).toContain('Authorize');
    const consent = formOf(page.body, base);
    const approved = await browser.request(consent.action, {
      form: { ...consent.fields, decision: 'approve' },
    });
    const landed = new URL((await browser.follow(approved.location!, base)).location!);
    const issued = await token({
      grant_type: 'authorization_code',
      client_id: String(client.body.client_id),
      code: landed.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: pkce.verifier,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect((await mcpPing(String(issued.body.access_token))).status).toBe(200);
    const relogin = await fetch(`${base}/auth/email/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'fern@example.com', password: 'a fresh passphrase 1' }),
    });
    expect(relogin.status).toBe(200);
  });
});

describe('the admin API for clients and grants', () => {
  it('is admin-only: 401 without a token, 403 for a user', async () => {
    const login = await fetch(`${base}/auth/email/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'mallory@example.com', password: PASSWORD }),
    });
    const user = ((await login.json()) as { access_token: string }).access_token;
    for (const [method, path] of [
      ['GET', '/oauth/clients'],
      ['POST', '/oauth/clients'],
      ['DELETE', '/oauth/clients/x'],
      ['GET', '/oauth/grants'],
      ['DELETE', '/oauth/grants/x'],
    ] as const) {
      expect((await fetch(`${base}${path}`, { method })).status, `${method} ${path}`).toBe(401);
      expect(
        (
          await gateway.api(
            method,
            path,
            user,
            method === 'POST' ? { client_name: 'x', redirect_uris: [REDIRECT] } : undefined,
          )
        ).status,
      ).toBe(403);
    }
  });

  it('registers, lists and removes a client; removal revokes its grants', async () => {
    const created = await gateway.api('POST', '/oauth/clients', gateway.admin, {
      client_name: 'Dashboard',
      redirect_uris: [REDIRECT],
      confidential: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toEqual(expect.any(String));
    const listed = await gateway.api('GET', '/oauth/clients', gateway.admin);
    const entry = listed.body.clients.find(
      (c: { client_id: string }) => c.client_id === created.body.client_id,
    );
    expect(entry).toMatchObject({
      client_name: 'Dashboard',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.client_secret);

    const issued = await tokensFor();
    expect((await mcpPing(issued.accessToken)).status).toBe(200);
    expect((await gateway.api('DELETE', `/oauth/clients/${issued.clientId}`, gateway.admin)).status).toBe(
      204,
    );
    expect((await mcpPing(issued.accessToken)).status).toBe(401);
    expect((await gateway.api('DELETE', `/oauth/clients/${issued.clientId}`, gateway.admin)).status).toBe(
      404,
    );
    const bad = await gateway.api('POST', '/oauth/clients', gateway.admin, {
      client_name: 'Bad',
      redirect_uris: ['javascript:alert(1)'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('validation_failed');
  });
});

describe('registration settings', () => {
  let locked: GatewayUnderTest;
  beforeAll(async () => {
    locked = await startGateway({
      OAUTH_DYNAMIC_REGISTRATION: 'false',
      OAUTH_CLIENTS: JSON.stringify([
        { client_id: 'preset', client_name: 'Preset', redirect_uris: [REDIRECT] },
      ]),
    });
  });
  afterAll(async () => {
    await locked?.stop();
  });

  it('turns dynamic registration off, and keeps configured clients out of reach of the API', async () => {
    const response = await fetch(`${locked.server.baseUrl}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT] }),
    });
    expect(response.status).toBe(404);
    const metadata = (await (
      await fetch(`${locked.server.baseUrl}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.registration_endpoint).toBeUndefined();
    const clients = await locked.api('GET', '/oauth/clients', locked.admin);
    expect(clients.body.clients).toEqual([
      expect.objectContaining({ client_id: 'preset', source: 'config' }),
    ]);
    const removed = await locked.api('DELETE', '/oauth/clients/preset', locked.admin);
    expect(removed.status).toBe(409);
    expect(removed.body.error).toBe('oauth_client_from_config');
  });
});
