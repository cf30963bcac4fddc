import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** One answer as a browser saw it (redirects are not followed). */
export interface BrowserResponse {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

/**
 * A minimal browser for the authorization pages: keeps cookies per origin, follows redirects on
 * request, and submits forms as application/x-www-form-urlencoded.
 */
export class Browser {
  private readonly cookies = new Map<string, string>();

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const headers: Record<string, string> = { ...init.headers };
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location === null ? null : new URL(location, url).toString(),
      body: await response.text(),
      headers: response.headers,
    };
  }

  /** GETs `url` and follows redirects while they stay on `origin`; returns the last answer. */
  async follow(url: string, origin: string): Promise<BrowserResponse & { url: string }> {
    let current = url;
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.request(current);
      if (response.status < 300 || response.status >= 400 || response.location === null)
        return { ...response, url: current };
      if (!response.location.startsWith(origin)) return { ...response, url: current };
      current = response.location;
    }
    throw new Error('too many redirects');
  }
}

/** The CSRF token and action of the first form on a page. */
export function formOf(
  html: string,
  baseUrl: string,
): { action: string; csrf: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action, html).toBeDefined();
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    fields[match[1]!] = match[2]!.replaceAll('&amp;', '&');
  return {
    action: new URL(action!.replaceAll('&amp;', '&'), baseUrl).toString(),
    csrf: fields.csrf ?? '',
    fields,
  };
}

/**
 * Drives an authorization request to its end as a user would: opens `authorizationUrl`, signs in
 * with `credentials`, approves the consent screen, and returns where the server sent the browser
 * at last (the client's redirect URI with `code` or `error`).
 */
export async function authorizeInBrowser(
  browser: Browser,
  authorizationUrl: string,
  baseUrl: string,
  credentials: { identifier: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  let page = await browser.follow(authorizationUrl, baseUrl);
  for (let step = 0; step < 4; step++) {
    if (page.status >= 300 && page.status < 400 && page.location && !page.location.startsWith(baseUrl))
      return new URL(page.location);
    expect(page.status, page.body).toBe(200);
    const form = formOf(page.body, baseUrl);
    const fields = form.action.endsWith('/login')
      ? { ...form.fields, identifier: credentials.identifier, password: credentials.password }
      : { ...form.fields, decision };
    const posted = await browser.request(form.action, {
      form: fields,
      headers: { origin: new URL(baseUrl).origin },
    });
    expect([302, 303], posted.body).toContain(posted.status);
    if (!posted.location!.startsWith(baseUrl)) return new URL(posted.location!);
    page = await browser.follow(posted.location!, baseUrl);
  }
  throw new Error('authorization did not finish');
}
