import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../ui/src/lib/safe-next.ts';
import { watchPage } from '../helpers/admin-ui.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { TEST_BROWSER } from '../helpers/services.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type Gatehouse, noSecretInLogs, startGatehouse } from './harness.ts';

/** `next` values an attacker puts in a link to the sign-in page, as they appear in the query. */
const ATTACKS = [
  'https://evil.example',
  '//evil.example',
  '/\\evil.example',
  'https:evil.example',
  'javascript:alert(1)',
  '%2F%2Fevil.example',
  // and some relatives of those
  'https%3A%2F%2Fevil.example',
  '%2F%5Cevil.example',
  '///evil.example',
  '/%09/evil.example',
  '%09//evil.example',
  '/..//evil.example',
  '/%2e%2e//evil.example',
  'data:text/html,<script>alert(1)</script>',
  'JaVaScRiPt:alert(1)',
  'http://127.0.0.1.evil.example/admin',
];
/** The ones driven through a real browser: the six, and the dot-segment tricks. */
const BROWSER_ATTACKS = [...ATTACKS.slice(0, 6), '/..//evil.example', '/%2e%2e//evil.example'];
/** The same values as the UI sees them once URLSearchParams has decoded the query. */
const DECODED = ATTACKS.map((raw) => new URLSearchParams(`next=${raw}`).get('next')!);
/** Names a redirect target commonly travels under. */
const REDIRECT_PARAMS = ['next', 'redirect', 'redirect_uri', 'return_to', 'returnTo', 'continue', 'url'];

describe('safeNext (the admin UI’s post-login destination)', () => {
  it.each(DECODED)('sends %j to the start page', (next) => {
    expect(safeNext(next)).toBe('/');
  });

  it('sends null, an empty value, a bare word and the sign-in page itself to the start page', () => {
    for (const next of [null, '', 'users', '/login', '/login?next=/users', ' /users'])
      expect(safeNext(next), String(next)).toBe('/');
  });

  it('keeps a path inside the UI, with its query', () => {
    for (const next of [
      '/',
      '/users',
      '/users/a%40b.example',
      '/audit?type=login_failed',
      '/.well',
      '/keys#new',
    ])
      expect(safeNext(next), next).toBe(next);
  });
});

for (const dialect of DIALECTS) {
  describe(`server-side redirects on ${dialect.name}`, () => {
    let g: Gatehouse;
    beforeAll(async () => {
      g = await startGatehouse(dialect);
    }, 90_000);
    afterAll(() => g?.close());

    /** Every GET route of the route table, its parameters filled in. */
    const getRoutes = () =>
      [
        ...new Set(
          g.routes
            .filter((route) => [route.method].flat().includes('GET'))
            .map((route) => route.url.replace(/:[A-Za-z_]+/g, 'x').replace(/\*$/, 'login')),
        ),
      ].sort();

    it('answers no GET route, with or without a session, with a redirect off the origin for any next/redirect/return_to value', async () => {
      const paths = getRoutes();
      expect(paths).toContain('/dashboard');
      const redirects: string[] = [];
      for (const path of paths) {
        for (const raw of ATTACKS) {
          const query = REDIRECT_PARAMS.map((name) => `${name}=${raw}`).join('&');
          for (const token of [undefined, g.admin]) {
            const response = await fetch(`${g.url}${path}?${query}`, {
              redirect: 'manual',
              headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
            });
            await response.body?.cancel();
            const location = response.headers.get('location');
            if (location === null) continue;
            redirects.push(`${path} -> ${location}`);
            // Only a path on this origin: not `//host`, not `/\host`, no scheme.
            expect(location, `${path}?${query}`).toMatch(/^\/(?![/\\])/);
            expect(new URL(location, g.url).origin).toBe(new URL(g.url).origin);
          }
        }
      }
      // The one redirect there is goes where it always goes.
      expect(new Set(redirects)).toEqual(new Set(['/dashboard -> /admin']));
    });

    it('answers the sign-in endpoints with JSON and no Location, whatever next= says', async () => {
      for (const raw of ATTACKS) {
        for (const path of ['/auth/session', '/auth/email/login']) {
          const response = await fetch(`${g.url}${path}?next=${raw}`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
          });
          await response.body?.cancel();
          expect(response.status, `${path}?next=${raw}`).toBe(200);
          expect(response.headers.get('location')).toBeNull();
        }
      }
    });
  });
}

describe.skipIf(!TEST_BROWSER)(
  'the admin UI’s sign-in page in Chromium, with next= pointing away',
  { timeout: 60_000 },
  () => {
    let g: Gatehouse;
    let browser: Browser;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      g = await startGatehouse(DIALECTS[0]!);
      browser = await launchBrowser(TEST_BROWSER!);
    }, 90_000);
    afterAll(async () => {
      await browser?.close();
      await g?.close();
    });

    /**
     * A fresh browser profile whose requests to any other origin are refused and recorded, as are
     * dialogs (a `javascript:` URL that ran would open one).
     */
    async function isolatedPage(): Promise<{ page: Page; context: BrowserContext; escapes: string[] }> {
      const context = await browser.newContext();
      context.setDefaultTimeout(10_000);
      const escapes: string[] = [];
      const origin = new URL(g.url).origin;
      await context.route(
        (url) => url.origin !== origin,
        (route) => {
          escapes.push(route.request().url());
          return route.abort();
        },
      );
      const page = await context.newPage();
      page.on('dialog', (dialog) => {
        escapes.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      await watchPage(page, pageErrors);
      return { page, context, escapes };
    }

    async function signIn(page: Page, next: string): Promise<void> {
      await page.goto(`${g.url}/admin/login?next=${next}`);
      await page.fill('#login-email', ADMIN_EMAIL);
      await page.fill('#login-password', ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it.each(BROWSER_ATTACKS)(
      'stays on Gatehouse, at the start page, after signing in with next=%s',
      async (next) => {
        const { page, context, escapes } = await isolatedPage();
        try {
          await signIn(page, next);
          await page.waitForURL(`${g.url}/admin`);
          await page.getByRole('heading', { level: 1 }).waitFor();
          // Signed in already: the sign-in page sends the browser on at once, just as safely.
          await page.goto(`${g.url}/admin/login?next=${next}`);
          await page.waitForURL(`${g.url}/admin`);
          await page.getByRole('heading', { level: 1 }).waitFor();
          expect(new URL(page.url()).origin).toBe(new URL(g.url).origin);
          expect(escapes).toEqual([]);
        } finally {
          await context.close();
        }
      },
    );

    it('still follows a next= that is a page of the UI', async () => {
      const { page, context, escapes } = await isolatedPage();
      try {
        await page.goto(`${g.url}/admin/users`);
        await page.waitForURL(`${g.url}/admin/login?next=%2Fusers`);
        await page.fill('#login-email', ADMIN_EMAIL);
        await page.fill('#login-password', ADMIN_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${g.url}/admin/users`);
        expect(escapes).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);

noSecretInLogs();
