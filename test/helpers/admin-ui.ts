import { createServer } from 'node:http';
import type { Page } from 'playwright-core';
import { freePort } from './ports.ts';

/**
 * Records script errors and CSP violations of `page` into `errors`. Failed API answers the UI
 * handles (401, 403, 400) show up as "Failed to load resource" and are not errors.
 */
export async function watchPage(page: Page, errors: string[]): Promise<void> {
  // Injected by the browser driver, so the page's own CSP does not apply to it.
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`${page.url()}: ${message.text()}`);
    }
  });
}

/** A site on another origin that serves fixed HTML pages, for CSRF and framing attempts. */
export interface AttackerSite {
  port: number;
  /** The URL of `path` on this site, under `host` (127.0.0.1 by default). */
  url(path: string, host?: string): string;
  stop(): Promise<void>;
}

/** Serves `pages` (path → HTML) on 127.0.0.1 at a free port. */
export async function startAttackerSite(pages: Record<string, string>): Promise<AttackerSite> {
  const port = await freePort();
  const server = createServer((request, response) => {
    const html = pages[new URL(request.url ?? '/', 'http://x').pathname];
    response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: (path, host = '127.0.0.1') => `http://${host}:${port}${path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The status of an MCP `initialize` POST to `/mcp` with `key` as the Bearer credential. */
export async function mcpInitializeStatus(baseUrl: string, key: string): Promise<number> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
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
        clientInfo: { name: 'ui-test', version: '1' },
      },
    }),
  });
  await response.body?.cancel();
  return response.status;
}
