import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { FastifyInstance } from 'fastify';

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Remembers every route `app` registers from now on (install it before the routes), so a request
 * whose path exists for other methods can be answered 405 with `Allow` rather than 404
 * (RFC 9110 §15.5.6). Returns the lookup: the methods `path` has, none for an unknown path.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => HTTPMethod[] {
  // The same matching rules as Fastify's own router (its defaults: case-sensitive, exact slashes).
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false });
  const noop = () => undefined;
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat() as HTTPMethod[]) {
      if (!METHODS.includes(method) || router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, noop);
    }
  });
  return (path) => {
    const bare = path.split('?', 1)[0] ?? '';
    return METHODS.filter((method) => router.find(method, bare) !== null);
  };
}
