import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { type GatewayUnderTest, startGateway } from '../helpers/mcp-gateway.ts';
import { authorizeInBrowser, Browser, pkcePair } from '../helpers/oauth-browser.ts';

const PASSWORD = 'a long user passphrase 42';
const REDIRECT = 'http://127.0.0.1:53682/callback';

let dir = '';
let site: Server;
let siteUrl = '';
let gateway: GatewayUnderTest;
const fetched: string[] = [];

beforeAll(async () => {
  // A client's metadata documents on an https site with its own CA (trusted by Gatehouse through
  // NODE_EXTRA_CA_CERTS), on loopback: allowed only because OAUTH_METADATA_ALLOW_PRIVATE_HOSTS=true.
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-cimd-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  site = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (request, response) => {
      fetched.push(request.url ?? '');
      const clientId = `${siteUrl}${request.url}`;
      const metadata = {
        client_id: clientId,
        client_name: 'Metadata-document client',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        ...(request.url === '/big.json' ? { padding: 'x'.repeat(8 * 1024) } : {}),
        ...(request.url === '/evil-redirect.json' ? { redirect_uris: ['javascript:alert(1)'] } : {}),
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
    },
  );
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `https://127.0.0.1:${(site.address() as AddressInfo).port}`;
  gateway = await startGateway({
    OAUTH_METADATA_ALLOW_PRIVATE_HOSTS: 'true',
    NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
  });
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  const created = await gateway.api('POST', '/auth/email/admin/users', gateway.admin, {
    email: 'cim@example.com',
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => site?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const authorize = (clientId: string, challenge: string) => {
  const url = new URL(`${gateway.server.baseUrl}/oauth/authorize`);
  const params = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'mcp',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
};

describe('client ID metadata documents', () => {
  it('lets a client whose client_id is an https URL sign a user in and call a tool', async () => {
    const base = gateway.server.baseUrl;
    const clientId = `${siteUrl}/client.json`;
    const pkce = pkcePair();
    const landed = await authorizeInBrowser(new Browser(), authorize(clientId, pkce.challenge), base, {
      identifier: 'cim@example.com',
      password: PASSWORD,
    });
    expect(fetched).toContain('/client.json');
    const response = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: landed.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: pkce.verifier,
      }).toString(),
    });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const mcp = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'cimd', version: '1' },
        },
      }),
    });
    expect(mcp.status).toBe(200);
  });

  it('refuses a document larger than 5 KiB', async () => {
    const response = await new Browser().request(authorize(`${siteUrl}/big.json`, pkcePair().challenge));
    expect(response.status).toBe(400);
    expect(response.body).toContain('invalid_client');
  });

  it('refuses a document whose redirect URIs break the policy', async () => {
    const response = await new Browser().request(
      authorize(`${siteUrl}/evil-redirect.json`, pkcePair().challenge),
    );
    expect(response.status).toBe(400);
    expect(response.location).toBeNull();
  });
});
