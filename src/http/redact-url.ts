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
]);
// Path segments that are themselves secrets: the segment after these is replaced.
const SECRET_PATH_PREFIXES = ['reset-password'];
const MARK = '[redacted]';

/** A request URL safe to log: secret path segments and secret query values are replaced. */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (SECRET_PATH_PREFIXES.includes(segments[i - 1] ?? '') && segments[i] !== '') segments[i] = MARK;
  }
  const safePath = segments.join('/');
  if (queryAt === -1) return safePath;
  const pairs = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decodeSafely(eq === -1 ? pair : pair.slice(0, eq)).toLowerCase();
      return SECRET_QUERY_KEYS.has(name) && eq !== -1 ? `${pair.slice(0, eq)}=${MARK}` : pair;
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
