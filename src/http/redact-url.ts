const SECRET_QUERY_KEYS = new Set([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'key',
  'code',
  'password',
  'secret',
  'client_secret',
  'jwt',
  'authorization',
]);
// A Gatehouse credential by its look (a JWT, an API key) is hidden wherever in the URL it is.
const CREDENTIAL_SHAPE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.|mcpgw_[A-Za-z0-9_-]{16,}/;
// Path segments that are themselves secrets: the segment after these is replaced.
const SECRET_PATH_PREFIXES = ['reset-password'];
const MARK = '[redacted]';

/**
 * A request URL safe to log: secret path segments, values of secret query parameters, and
 * anything shaped like a JWT or an API key are replaced.
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const secretSegment =
      SECRET_PATH_PREFIXES.includes(segments[i - 1] ?? '') ||
      CREDENTIAL_SHAPE.test(decodeSafely(segments[i]!));
    if (secretSegment && segments[i] !== '') segments[i] = MARK;
  }
  const safePath = segments.join('/');
  if (queryAt === -1) return safePath;
  const pairs = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return CREDENTIAL_SHAPE.test(decodeSafely(pair)) ? MARK : pair;
      const name = decodeSafely(pair.slice(0, eq)).toLowerCase();
      const secret = SECRET_QUERY_KEYS.has(name) || CREDENTIAL_SHAPE.test(decodeSafely(pair.slice(eq + 1)));
      return secret ? `${pair.slice(0, eq)}=${MARK}` : pair;
    });
  return `${safePath}?${pairs.join('&')}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
