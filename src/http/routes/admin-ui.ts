import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` (run by `npm install`) puts the admin UI. */
export const UI_DIST = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The admin UI's policy: its own scripts and styles only, never framed, no inline code. */
const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', UI_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** The built file a request path names, or null (then the SPA's index.html answers). */
function builtFile(root: string, path: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const file = normalize(join(root, relative));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * The admin web UI under /admin: the built single-page app (ui/dist). Asset files are served with
 * long caching (their names carry a content hash); every other /admin path answers index.html so
 * the app routes on the client. `/dashboard` redirects to `/admin`.
 */
export async function adminUiRoutes(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? UI_DIST;
  const indexFile = join(root, 'index.html');

  const sendIndex = (reply: FastifyReply) => {
    securityHeaders(reply).header('cache-control', 'no-store');
    if (!existsSync(indexFile))
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The admin UI is not built. Run `npm run build` (npm install does it).');
    return reply.type('text/html; charset=utf-8').send(readFileSync(indexFile));
  };

  app.get('/dashboard', async (_request, reply) => reply.redirect('/admin', 302));
  app.get('/admin', async (_request, reply) => sendIndex(reply));
  app.get<{ Params: { '*': string } }>('/admin/*', { logLevel: 'warn' }, async (request, reply) => {
    const path = request.params['*'];
    const file = path === '' ? null : builtFile(root, path);
    if (file === null) {
      // A missing asset is a 404, not the app (a stale tab asking for an old bundle).
      if (path.startsWith('assets/'))
        return securityHeaders(reply).status(404).send({ error: 'not_found', message: 'Not found' });
      return sendIndex(reply);
    }
    securityHeaders(reply).header(
      'cache-control',
      path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return reply.type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream').send(readFileSync(file));
  });
}
