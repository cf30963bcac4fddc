/** The scheme of every resource URI and URI template the aggregated endpoint exposes. */
export const RESOURCE_URI_SCHEME = 'gatehouse';

/** A backend's own resource URI (or, for a template, its own URI template). */
export interface ResourceRef {
  readonly backend: string;
  readonly uri: string;
}

const PREFIX = `${RESOURCE_URI_SCHEME}:`;
// The backend-name rule of src/identity/access/policy.ts. It has no `/`, which is what makes
// the first `/` after the scheme the end of the backend name.
const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function requireParts(backend: string, uri: string, what: string): void {
  if (typeof backend !== 'string' || !BACKEND_NAME.test(backend)) {
    throw new TypeError('backend must be a backend name ([A-Za-z0-9][A-Za-z0-9._-]{0,127})');
  }
  if (typeof uri !== 'string' || uri.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

/**
 * The URI the aggregated endpoint shows for `uri` of `backend`: `gatehouse:{backend}/{uri}`,
 * with `uri` appended verbatim (no encoding), e.g. `gatehouse:files/file:///tmp/a.txt`. The
 * result is an opaque-path URI, so URL parsers neither resolve dot segments in it nor move
 * the original URI's parts around. Throws TypeError for an invalid backend name or an empty
 * or non-string `uri`.
 */
export function exposeResourceUri(backend: string, uri: string): string {
  requireParts(backend, uri, 'uri');
  return `${PREFIX}${backend}/${uri}`;
}

/**
 * The URI template the aggregated endpoint shows for `uriTemplate` of `backend`: the same
 * `gatehouse:{backend}/` prefix as exposeResourceUri. The prefix is an RFC 6570 literal made
 * only of characters expansion copies unchanged, so any URI a client expands from the exposed
 * template is the prefix followed by the expansion of the original, and resolveResourceUri
 * gives that expansion back. Throws TypeError as exposeResourceUri does.
 */
export function exposeResourceTemplate(backend: string, uriTemplate: string): string {
  requireParts(backend, uriTemplate, 'uriTemplate');
  return `${PREFIX}${backend}/${uriTemplate}`;
}

/**
 * The backend and original URI behind an exposed resource URI (or URI template), or null
 * when `exposed` is not a string, does not start with `gatehouse:` (the scheme matched without
 * regard to case, RFC 3986 §3.1), has no `/` after a valid backend name, or has nothing after
 * that `/`. It does not say whether the backend exists or is allowed; the catalog checks that.
 */
export function resolveResourceUri(exposed: unknown): ResourceRef | null {
  if (typeof exposed !== 'string') return null;
  if (exposed.slice(0, PREFIX.length).toLowerCase() !== PREFIX) return null;
  const slash = exposed.indexOf('/', PREFIX.length);
  if (slash === -1) return null;
  const backend = exposed.slice(PREFIX.length, slash);
  const uri = exposed.slice(slash + 1);
  if (!BACKEND_NAME.test(backend) || uri.length === 0) return null;
  return { backend, uri };
}
