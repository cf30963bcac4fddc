import { describe, expect, it } from 'vitest';
import { isPrivateHost } from '../../../src/oauth/private-host.ts';
import { formActionSource, redirectUriProblem } from '../../../src/oauth/redirect-policy.ts';
import { issuedBefore, McpResources, resourcePathFor } from '../../../src/oauth/resources.ts';

describe('redirect URI policy', () => {
  it.each([
    'https://claude.ai/api/mcp/auth_callback',
    'http://127.0.0.1:33418/callback',
    'http://localhost/callback',
    'http://[::1]:8080/cb',
    'com.example.desktop:/oauth',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
  ])('accepts %s by default', (uri) => {
    expect(redirectUriProblem(uri, [])).toBeNull();
  });

  it.each([
    ['http://evil.example/cb', 'must use https'],
    ['javascript:alert(1)', 'forbidden scheme'],
    ['data:text/html,hi', 'forbidden scheme'],
    ['file:///etc/passwd', 'forbidden scheme'],
    ['https://app.example/cb#frag', 'fragment'],
    ['not a uri', 'not a URI'],
  ])('refuses %s', (uri, reason) => {
    expect(redirectUriProblem(uri, [])).toContain(reason);
  });

  it('accepts only the configured prefixes when OAUTH_REDIRECT_URI_PREFIXES is set', () => {
    const prefixes = ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1'];
    expect(redirectUriProblem('https://claude.ai/api/mcp/auth_callback', prefixes)).toBeNull();
    expect(redirectUriProblem('http://127.0.0.1:9999/cb', prefixes)).toBeNull();
    expect(redirectUriProblem('https://chatgpt.com/connector_platform_oauth_redirect', prefixes)).toContain(
      'not among the allowed',
    );
  });

  it('names the form-action source a redirect needs', () => {
    expect(formActionSource('https://client.example/cb?x=1')).toBe('https://client.example');
    expect(formActionSource('com.example.app:/cb')).toBe('com.example.app:');
  });
});

describe('private hosts for client metadata documents', () => {
  it.each([
    'localhost',
    'api.localhost',
    'printer.local',
    '127.0.0.1',
    '10.0.0.8',
    '172.16.4.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '[::1]',
    '[::]',
    '[fd00::1]',
    '[fe80::1]',
    '[::ffff:7f00:1]',
    '[::ffff:10.0.0.1]',
  ])('treats %s as private', (host) => {
    expect(isPrivateHost(host)).toBe(true);
  });

  it.each(['client.example.com', '93.184.216.34', '[2606:4700::6810:84e5]', '172.32.0.1'])(
    'treats %s as public',
    (host) => {
      expect(isPrivateHost(host)).toBe(false);
    },
  );
});

describe('protected resources', () => {
  const resources = new McpResources('https://gw.example.com/');

  it('maps each MCP endpoint to its resource identifier', () => {
    expect(resourcePathFor('/mcp')).toBe('/mcp');
    expect(resourcePathFor('/mcp/v1?x=1')).toBe('/mcp');
    expect(resourcePathFor('/sse')).toBe('/sse');
    expect(resourcePathFor('/message?sessionId=abc')).toBe('/sse');
    expect(resourcePathFor('/servers/erp/mcp')).toBe('/servers/erp/mcp');
    expect(resourcePathFor('/servers/erp/message')).toBe('/servers/erp/sse');
    expect(resourcePathFor('/auth/email/me')).toBeNull();
    expect(resourcePathFor('/servers/../mcp')).toBeNull();
    expect(resources.forPath('/mcp/v1')).toBe('https://gw.example.com/mcp');
  });

  it('recognises only canonical resource identifiers of this gateway', () => {
    expect(resources.isResource('https://gw.example.com/mcp')).toBe(true);
    expect(resources.isResource('https://gw.example.com/servers/erp/mcp')).toBe(true);
    expect(resources.isResource('https://gw.example.com/mcp/v1')).toBe(false);
    expect(resources.isResource('https://gw.example.com/mcp/')).toBe(false);
    expect(resources.isResource('https://other.example.com/mcp')).toBe(false);
    expect(resources.isResource('https://gw.example.com.evil.example/mcp')).toBe(false);
  });

  it('places resource metadata at the inserted well-known path', () => {
    expect(resources.metadataUrl('https://gw.example.com/servers/erp/mcp')).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource/servers/erp/mcp',
    );
  });

  it('compares token issue times with tokens_valid_after in whole seconds', () => {
    const cut = new Date('2026-11-22T10:00:05.700Z');
    expect(issuedBefore(Date.parse('2026-11-22T10:00:04Z') / 1000, cut)).toBe(true);
    expect(issuedBefore(Date.parse('2026-11-22T10:00:05Z') / 1000, cut)).toBe(false);
  });
});
