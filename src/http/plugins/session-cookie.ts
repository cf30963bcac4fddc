import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Settings } from '../../config/index.ts';

/**
 * The browser session cookie of the admin UI: HttpOnly, SameSite=Strict, Path=/, no Domain;
 * over HTTPS also Secure with the `__Host-` prefix. Plain-HTTP localhost keeps working (no
 * Secure flag there, so the browser stores it and there is no login loop).
 */
export function sessionCookieName(settings: Settings): string {
  return isHttps(settings) ? '__Host-gatehouse_session' : 'gatehouse_session';
}

function isHttps(settings: Settings): boolean {
  return settings.publicBaseUrl.startsWith('https://');
}

function attributes(settings: Settings, maxAgeSeconds: number): string {
  const secure = isHttps(settings) ? '; Secure' : '';
  return `; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** Sets the session cookie to `token` for `maxAgeSeconds`. */
export function setSessionCookie(
  reply: FastifyReply,
  settings: Settings,
  token: string,
  maxAgeSeconds: number,
): void {
  reply.header('set-cookie', `${sessionCookieName(settings)}=${token}${attributes(settings, maxAgeSeconds)}`);
  reply.header('cache-control', 'no-store');
}

/** Clears the session cookie. */
export function clearSessionCookie(reply: FastifyReply, settings: Settings): void {
  reply.header('set-cookie', `${sessionCookieName(settings)}=${attributes(settings, 0)}`);
}

/** The session token in the request's cookie, or null. */
export function sessionCookie(request: FastifyRequest, settings: Settings): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return null;
  const name = sessionCookieName(settings);
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1 || part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    return /^[A-Za-z0-9._~+/=-]{1,4096}$/.test(value) ? value : null;
  }
  return null;
}
