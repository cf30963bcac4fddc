const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:']);

/**
 * Why a client may not use `uri` as a redirect URI, or null when it may. With `prefixes`
 * configured (OAUTH_REDIRECT_URI_PREFIXES) the URI must start with one of them; otherwise it must
 * be https, http on a loopback host (native apps, RFC 8252 §7.3), or a private-use scheme
 * (RFC 8252 §7.1) other than the ones a browser would run.
 */
export function redirectUriProblem(uri: string, prefixes: readonly string[]): string | null {
  const parsed = URL.parse(uri);
  if (parsed === null) return `${uri} is not a URI`;
  if (parsed.hash !== '' || uri.includes('#')) return `${uri} must not have a fragment`;
  if (prefixes.length > 0) {
    return prefixes.some((prefix) => uri.startsWith(prefix))
      ? null
      : `${uri} is not among the allowed redirect URIs of this server`;
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:')
    return LOOPBACK_HOSTS.has(parsed.hostname) ? null : `${uri} must use https (http only on loopback)`;
  if (FORBIDDEN_SCHEMES.has(parsed.protocol)) return `${uri} uses a forbidden scheme`;
  return null;
}

/** The CSP source expression that lets a form submission end at `uri` (an origin or a scheme). */
export function formActionSource(uri: string): string | null {
  const parsed = URL.parse(uri);
  if (parsed === null) return null;
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  return parsed.protocol;
}
