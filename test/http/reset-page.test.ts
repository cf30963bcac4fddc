import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /admin/reset-password/{token}', () => {
  it('serves the admin UI (built by npm install) without writing the token into it: no-referrer, no-store, no inline script', async () => {
    t = await testApp();
    const token = 'A'.repeat(43);
    const response = await t.app.inject({ method: 'GET', url: `/admin/reset-password/${token}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cache-control']).toBe('no-store');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.body).toMatch(
      /<script type="module" crossorigin src="\/admin\/assets\/[^"]+\.js"><\/script>/,
    );
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.body).not.toContain(token);
  });

  it('ignores markup in the path: nothing from the URL reaches the HTML', async () => {
    t = await testApp();
    const response = await t.app.inject({
      method: 'GET',
      url: '/admin/reset-password/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    });
    expect(response.body).not.toContain('alert(1)');
  });
});
