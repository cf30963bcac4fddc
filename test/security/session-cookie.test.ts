import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.ts';
import {
  type Answer,
  type Gatehouse,
  NEW_PASSWORD,
  noSecretInLogs,
  remember,
  startGatehouse,
  USER_PASSWORD,
} from './harness.ts';

const PUBLIC_BASE_URL = 'https://gate.example.com';
const NAME = '__Host-gatehouse_session';

/** A Set-Cookie header: name, value and attributes (names lower-cased, flags as ''). */
interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string>;
}

function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...parts] = header.split(';');
  const index = pair.indexOf('=');
  const attributes: Record<string, string> = {};
  for (const part of parts) {
    const [key = '', ...rest] = part.trim().split('=');
    attributes[key.toLowerCase()] = rest.join('=');
  }
  return { name: pair.slice(0, index).trim(), value: pair.slice(index + 1).trim(), attributes };
}

/** The one Set-Cookie of `answer`; fails when there is none or more than one. */
function setCookieOf(answer: Answer): SetCookie {
  const headers = answer.headers.getSetCookie();
  expect(headers, answer.text).toHaveLength(1);
  return parseSetCookie(headers[0]!);
}

/** The attributes a __Host- cookie must carry (RFC 6265bis §4.1.3.2) and the ones Gatehouse adds. */
function expectHostCookie(cookie: SetCookie, what: string): void {
  expect(cookie.name, what).toBe(NAME);
  expect(Object.keys(cookie.attributes).sort(), what).toEqual(
    ['httponly', 'max-age', 'path', 'samesite', 'secure'].sort(),
  );
  expect(cookie.attributes, what).toMatchObject({ path: '/', httponly: '', secure: '', samesite: 'Strict' });
  expect(cookie.attributes.domain, what).toBeUndefined();
}

for (const dialect of DIALECTS) {
  describe(`the admin UI session cookie over HTTPS, over real HTTP, on ${dialect.name}`, () => {
    let g: Gatehouse;
    beforeAll(async () => {
      g = await startGatehouse(dialect, { env: { PUBLIC_BASE_URL } });
    }, 90_000);
    afterAll(() => g?.close());

    /** POST /auth/session as `email`, with `headers` (a planted cookie, forwarding headers). */
    const browserLogin = async (
      email: string,
      headers: Record<string, string> = {},
      password = USER_PASSWORD,
    ) => {
      const answer = await g.request('POST', '/auth/session', { body: { email, password }, headers });
      expect(answer.status, answer.text).toBe(200);
      const cookie = setCookieOf(answer);
      remember('access token', cookie.value);
      return { cookie, jar: `${cookie.name}=${cookie.value}`, csrf: answer.body.csrf_token as string };
    };
    const whoIs = async (jar: string) => {
      const answer = await g.request('GET', '/auth/session', { headers: { cookie: jar } });
      return answer.status === 200 ? (answer.body.user.email as string) : answer.status;
    };

    it('sets __Host-gatehouse_session with Secure, HttpOnly, SameSite=Strict, Path=/ and no Domain on login, password change and logout, whatever X-Forwarded-Proto, X-Forwarded-Host or Host say', async () => {
      await g.addUser('flags@example.com');
      const forwarded: Record<string, string>[] = [
        {},
        { 'x-forwarded-proto': 'http' },
        { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
        { host: 'evil.example' },
        { forwarded: 'proto=http;host=evil.example' },
      ];
      for (const headers of forwarded) {
        const { cookie } = await browserLogin('flags@example.com', headers);
        expectHostCookie(cookie, `login with ${JSON.stringify(headers)}`);
        expect(Number(cookie.attributes['max-age'])).toBeGreaterThan(0);
      }
      const { jar, csrf } = await browserLogin('flags@example.com');
      const changed = await g.request('POST', '/auth/email/change-password', {
        headers: { cookie: jar, 'x-csrf-token': csrf, 'x-forwarded-proto': 'http' },
        body: { old_password: USER_PASSWORD, new_password: NEW_PASSWORD },
      });
      expect(changed.status, changed.text).toBe(200);
      const renewed = setCookieOf(changed);
      remember('access token', renewed.value);
      expectHostCookie(renewed, 'password change');
      const out = await g.request('DELETE', '/auth/session', {
        headers: { cookie: `${NAME}=${renewed.value}`, 'x-csrf-token': changed.body.csrf_token },
      });
      expect(out.status, out.text).toBe(204);
      const cleared = setCookieOf(out);
      expectHostCookie(cleared, 'logout');
      expect(cleared.value).toBe('');
      expect(cleared.attributes['max-age']).toBe('0');
    });

    it('does not accept a valid session token from a cookie without the __Host- prefix (one a sibling host or plain HTTP could set)', async () => {
      await g.addUser('prefix@example.com');
      const { cookie } = await browserLogin('prefix@example.com');
      expect(await whoIs(`${NAME}=${cookie.value}`)).toBe('prefix@example.com');
      for (const name of ['gatehouse_session', '__Secure-gatehouse_session', '__host-gatehouse_session'])
        expect(await whoIs(`${name}=${cookie.value}`), name).toBe(401);
    });

    it('refuses the session cookie replayed after logout (DELETE /auth/session): reads, state changes and the same token as a bearer all get 401', async () => {
      await g.addUser('replay@example.com');
      const { cookie, jar, csrf } = await browserLogin('replay@example.com');
      expect(await whoIs(jar)).toBe('replay@example.com');
      expect((await g.request('GET', '/auth/email/me', { headers: { cookie: jar } })).status).toBe(200);
      const out = await g.request('DELETE', '/auth/session', {
        headers: { cookie: jar, 'x-csrf-token': csrf },
      });
      expect(out.status, out.text).toBe(204);

      expect(await whoIs(jar)).toBe(401);
      for (const [method, path, body] of [
        ['GET', '/auth/email/me', undefined],
        ['GET', '/auth/keys', undefined],
        ['POST', '/auth/keys', { name: 'after logout' }],
        ['DELETE', '/auth/session', undefined],
      ] as const) {
        const replayed = await g.request(method, path, {
          headers: { cookie: jar, 'x-csrf-token': csrf },
          body,
        });
        expect(replayed.status, `${method} ${path}: ${replayed.text}`).toBe(401);
        expect(replayed.body).toEqual({ error: 'Unauthorized' });
      }
      expect((await g.request('GET', '/auth/email/me', { token: cookie.value })).status).toBe(401);
      const keys = await g.request('GET', '/auth/keys', { token: await g.addUser('bystander@example.com') });
      expect(keys.status).toBe(200);
    });

    it('neither signs in nor out on GET or HEAD /auth/session, even with the login fields in the query', async () => {
      await g.addUser('reads@example.com');
      const query = new URLSearchParams({ email: 'reads@example.com', password: USER_PASSWORD });
      for (const method of ['GET', 'HEAD']) {
        const anonymous = await g.request(method, `/auth/session?${query}`);
        expect(anonymous.status, method).toBe(401);
        expect(anonymous.headers.getSetCookie(), method).toEqual([]);
      }
      const { jar } = await browserLogin('reads@example.com');
      for (const method of ['GET', 'HEAD']) {
        const read = await g.request(method, '/auth/session', { headers: { cookie: jar } });
        expect(read.status, method).toBe(200);
        expect(read.headers.getSetCookie(), method).toEqual([]);
      }
      expect(await whoIs(jar)).toBe('reads@example.com');
    });

    it('does not adopt a session value planted before login (fixation): login sets a fresh value and the planted one stays unauthenticated', async () => {
      await g.addUser('fixed@example.com');
      const planted = [
        'attacker-chosen-session-value',
        // Shaped like a session JWT, signed with nothing Gatehouse knows.
        'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmaXhlZEBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJl',
      ];
      const issued = new Set<string>();
      for (const value of planted) {
        const { cookie } = await browserLogin('fixed@example.com', { cookie: `${NAME}=${value}` });
        expect(cookie.value).not.toBe(value);
        issued.add(cookie.value);
        expect(await whoIs(`${NAME}=${value}`)).toBe(401);
        expect(await whoIs(`${NAME}=${cookie.value}`)).toBe('fixed@example.com');
      }
      // Every login issues its own value: none is reused, not even for the same user.
      expect(issued.size).toBe(planted.length);
    });

    it('does not turn an attacker’s own session planted in the victim’s browser into the victim’s: login issues a new value, and the planted one stays the attacker’s', async () => {
      await g.addUser('attacker@example.com');
      await g.addUser('victim@example.com');
      const attacker = await browserLogin('attacker@example.com');
      const victim = await browserLogin('victim@example.com', { cookie: attacker.jar });
      expect(victim.cookie.value).not.toBe(attacker.cookie.value);
      expect(victim.csrf).not.toBe(attacker.csrf);
      expect(await whoIs(attacker.jar)).toBe('attacker@example.com');
      expect(await whoIs(victim.jar)).toBe('victim@example.com');
      // The victim's CSRF token does not work with the attacker's session, nor the other way round.
      const crossed = await g.request('POST', '/auth/keys', {
        headers: { cookie: attacker.jar, 'x-csrf-token': victim.csrf },
        body: { name: 'crossed' },
      });
      expect(crossed.status, crossed.text).toBe(403);
    });
  });
}

noSecretInLogs();
