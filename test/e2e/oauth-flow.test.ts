import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import { type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';
import { authorizeInBrowser, Browser } from '../helpers/oauth-browser.ts';

const PASSWORD = 'a long user passphrase 42';
const REDIRECT = 'http://127.0.0.1:53682/callback';

/** An MCP client's OAuth state, as a desktop client would keep it. */
class TestClientProvider implements OAuthClientProvider {
  client: Record<string, unknown> | undefined;
  saved: Record<string, unknown> | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: 'E2E MCP client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client as never;
  }
  saveClientInformation(info: unknown) {
    this.client = info as Record<string, unknown>;
  }
  tokens() {
    return this.saved as never;
  }
  saveTokens(tokens: unknown) {
    this.saved = tokens as Record<string, unknown>;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
  }
  discovery: unknown;
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery as never;
  }
}

let gateway: GatewayUnderTest;
let web: FixtureServer;

beforeAll(async () => {
  gateway = await startGateway();
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  web = await startFixtureServer({ transport: 'http', name: 'web' });
  await gateway.addBackend({
    name: 'web',
    transport: 'http',
    url: web.url,
    headers: { authorization: 'Bearer upstream-secret' },
  });
  const created = await gateway.api('POST', '/auth/email/admin/users', gateway.admin, {
    email: 'olivia@example.com',
    password: PASSWORD,
    full_name: 'Olivia',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterAll(async () => {
  await gateway?.stop();
  await web?.stop();
});

describe('an MCP client connects with nothing but the URL (OAuth 2.1)', () => {
  it('discovers from the 401, registers, signs in, calls a tool, refreshes, and is refused once the grant is revoked', async () => {
    const base = gateway.server.baseUrl;
    const provider = new TestClientProvider();
    const connect = async () => {
      const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider }),
      );
      return client;
    };

    // 1. The first connection is refused; the SDK discovered the server, registered and
    //    "opened the browser" at the authorization URL.
    await expect(connect()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.client?.client_id).toEqual(expect.any(String));
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${base}/oauth/authorize`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(`${base}/mcp`);

    // 2. The user signs in and approves in the browser; the browser lands on the redirect URI.
    const landed = await authorizeInBrowser(new Browser(), authorizationUrl.toString(), base, {
      identifier: 'olivia@example.com',
      password: PASSWORD,
    });
    expect(landed.origin + landed.pathname).toBe(REDIRECT);
    const code = landed.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    expect(landed.searchParams.get('iss')).toBe(base);

    // 3. The client exchanges the code and calls a tool through /mcp.
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider });
    await transport.finishAuth(landed.searchParams);
    expect(provider.saved?.refresh_token).toEqual(expect.any(String));
    const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    await client.connect(transport);
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('echo__echo');
    expect(textOf(await client.callTool({ name: 'echo__echo', arguments: { text: 'via oauth' } }))).toBe(
      'via oauth',
    );
    // The client's token stays at the gateway: the HTTP backend only ever sees its own credential.
    const upstream = JSON.parse(textOf(await client.callTool({ name: 'web__stats', arguments: {} })));
    expect(upstream.authorizations).toEqual(['Bearer upstream-secret']);
    expect(JSON.stringify(upstream)).not.toContain(String(provider.saved!.access_token));
    await client.close();

    // 4. With its access token gone bad the client refreshes (rotation) and carries on.
    const firstRefresh = provider.saved!.refresh_token;
    provider.saved = { ...provider.saved!, access_token: 'expired.or.garbage' };
    const refreshed = await connect();
    expect(
      textOf(await refreshed.callTool({ name: 'echo__echo', arguments: { text: 'after refresh' } })),
    ).toBe('after refresh');
    expect(provider.saved!.refresh_token).not.toBe(firstRefresh);
    const accessToken = String(provider.saved!.access_token);
    await refreshed.close();

    // 5. The admin sees the grant and revokes it: the same access token is refused at once, and
    //    the client cannot refresh its way back in.
    const grants = await gateway.api('GET', '/oauth/grants', gateway.admin);
    expect(grants.status).toBe(200);
    const grant = grants.body.grants.find(
      (g: { user_email: string }) => g.user_email === 'olivia@example.com',
    );
    expect(grant.client_id).toBe(provider.client!.client_id);
    expect(grant.resources).toEqual({ [`${base}/mcp`]: ['mcp'] });
    expect((await gateway.api('DELETE', `/oauth/grants/${grant.grant_id}`, gateway.admin)).status).toBe(204);

    const direct = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(direct.status).toBe(401);
    expect(direct.headers.get('www-authenticate')).toContain('resource_metadata=');
    provider.authorizationUrl = undefined;
    await expect(connect()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.saved).toBeUndefined();
    expect(provider.authorizationUrl).toBeDefined();
  });
});
