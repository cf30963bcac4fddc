/**
 * The protected resources of Gatehouse (RFC 8707 / RFC 9728): one per MCP endpoint. An access
 * token is bound to exactly one of them and accepted only there.
 *
 * - `/mcp` (and its alias `/mcp/v1`): resource `{base}/mcp`
 * - `/sse` + `/message`: resource `{base}/sse`
 * - `/servers/{backend}/mcp`: resource `{base}/servers/{backend}/mcp`
 * - `/servers/{backend}/sse` + `/servers/{backend}/message`: resource `{base}/servers/{backend}/sse`
 */
const BACKEND = '[a-z0-9][a-z0-9_-]{0,47}';
const ENDPOINT = new RegExp(`^(?:/servers/(${BACKEND}))?/(mcp(?:/v1)?|sse|message)/?$`);

/** The scope an access token needs to use MCP endpoints. */
export const MCP_SCOPE = 'mcp';

/**
 * True when a token issued at `iat` (whole seconds, as OAuth tokens carry it) predates
 * `validAfter` (a user's `tokens_valid_after`). Compared in whole seconds: a token issued in the
 * same second as a password change still counts, or the code issued right after a forced change
 * on the sign-in page could never be redeemed.
 */
export function issuedBefore(iat: number, validAfter: Date): boolean {
  return iat < Math.floor(validAfter.getTime() / 1000);
}

/** The canonical path of the resource an MCP request path belongs to; null for any other path. */
export function resourcePathFor(path: string): string | null {
  const match = ENDPOINT.exec(path.split('?', 1)[0] ?? '');
  if (!match) return null;
  const [, backend, endpoint] = match;
  const kind = endpoint === 'sse' || endpoint === 'message' ? 'sse' : 'mcp';
  return backend === undefined ? `/${kind}` : `/servers/${backend}/${kind}`;
}

/** Resource identifiers, absolute under PUBLIC_BASE_URL. */
export class McpResources {
  readonly base: string;

  constructor(publicBaseUrl: string) {
    this.base = publicBaseUrl.replace(/\/+$/, '');
  }

  /** The resource identifier a request path belongs to, or null when it is not an MCP endpoint. */
  forPath(path: string): string | null {
    const resource = resourcePathFor(path);
    return resource === null ? null : this.base + resource;
  }

  /** True when `uri` names one of Gatehouse's resources exactly (the form a token may be bound to). */
  isResource(uri: string): boolean {
    if (!uri.startsWith(this.base + '/')) return false;
    const path = uri.slice(this.base.length);
    return resourcePathFor(path) === path;
  }

  /** The URL of a resource's protected-resource metadata (RFC 9728 §3.1: inserted well-known). */
  metadataUrl(resource: string): string {
    const origin = new URL(this.base).origin;
    const path = new URL(resource).pathname;
    return `${origin}/.well-known/oauth-protected-resource${path}`;
  }
}
