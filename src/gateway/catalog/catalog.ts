import { type AccessPolicy, canUseBackend, canUseTool } from '../../identity/index.ts';
import { compareNames } from './assign-names.ts';
import { nameItems, placeUris } from './collect.ts';
import { DEFAULT_SEPARATOR, isPrefixMode, isValidSeparator, type PrefixMode } from './naming.ts';
import { exposeResourceTemplate, exposeResourceUri, resolveResourceUri } from './resource-uri.ts';
import type { Catalog, CatalogBackend, CatalogConflict, CatalogInput, CatalogOptions } from './types.ts';

interface Layout {
  readonly mode: PrefixMode;
  readonly separator: string;
  /** True on the aggregated endpoint, where every URI carries its backend. */
  readonly prefixUris: boolean;
}

const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The catalog one identity sees on the aggregated endpoint (`/mcp`). A backend the policies
 * refuse contributes nothing; a tool canUseTool refuses is neither listed nor resolvable, so a
 * call to it looks exactly like a call to an unknown tool. Prompts, resources and templates are
 * filtered by backend only. Tool and prompt names follow `options.prefixMode` and
 * `options.separator` (see assignNames and exposedName); resource URIs and templates always
 * take the `gatehouse:{backend}/` prefix. Items a backend sends without a string name (or a
 * non-empty URI) are skipped. Throws TypeError for a malformed input, an empty policy list, a
 * backend name outside `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`, two backends with one name, a
 * separator that is not 1 to 4 of `_` and `-`, or an unknown prefix mode.
 */
export function buildCatalog(input: CatalogInput): Catalog {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.backends)) {
    throw new TypeError('buildCatalog needs { backends, policies, options }');
  }
  const layout = { ...layoutOf(input.options), prefixUris: true };
  return assemble(visibleBackends(input.backends, input.policies), input.policies, layout);
}

/**
 * The catalog one identity sees on `/servers/{backend}/mcp`: names stay unprefixed (though an
 * invalid or over-long name is still rewritten by exposedName) and URIs stay the backend's
 * own, while tool policy applies as in buildCatalog. Empty when the policies refuse the
 * backend. Throws TypeError as buildCatalog does.
 */
export function singleBackendCatalog(backend: CatalogBackend, policies: readonly AccessPolicy[]): Catalog {
  const layout: Layout = { mode: 'never', separator: DEFAULT_SEPARATOR, prefixUris: false };
  return assemble(visibleBackends([backend], policies), policies, layout);
}

function layoutOf(options: CatalogOptions | undefined): Omit<Layout, 'prefixUris'> {
  const separator = options?.separator ?? DEFAULT_SEPARATOR;
  const mode = options?.prefixMode ?? 'always';
  if (!isValidSeparator(separator)) throw new TypeError('separator must be 1 to 4 characters of _ and -');
  if (!isPrefixMode(mode)) throw new TypeError('prefixMode must be always, conditional or never');
  return { mode, separator };
}

function visibleBackends(
  backends: readonly CatalogBackend[],
  policies: readonly AccessPolicy[],
): CatalogBackend[] {
  if (!Array.isArray(policies) || policies.length === 0) {
    throw new TypeError('policies must be a non-empty array: pass [OPEN_POLICY] to allow everything');
  }
  const seen = new Set<string>();
  for (const backend of backends) {
    const name: unknown = typeof backend === 'object' && backend !== null ? backend.name : undefined;
    if (typeof name !== 'string' || !BACKEND_NAME.test(name)) {
      throw new TypeError('each backend needs a name matching [A-Za-z0-9][A-Za-z0-9._-]{0,127}');
    }
    if (seen.has(name)) throw new TypeError(`two backends are named ${name}`);
    seen.add(name);
  }
  return backends
    .filter((backend) => canUseBackend(policies, backend.name))
    .sort((a, b) => compareNames(a.name, b.name));
}

function assemble(
  backends: readonly CatalogBackend[],
  policies: readonly AccessPolicy[],
  layout: Layout,
): Catalog {
  const conflicts: CatalogConflict[] = [];
  const names = Object.freeze(backends.map((b) => b.name));
  const visible = new Set(names);
  const own = (_backend: string, uri: string): string => uri;
  const tools = nameItems(
    backends,
    { kind: 'tool', listOf: (b) => b.tools, allow: (backend, name) => canUseTool(policies, backend, name) },
    layout,
    conflicts,
  );
  const prompts = nameItems(
    backends,
    { kind: 'prompt', listOf: (b) => b.prompts, allow: () => true },
    layout,
    conflicts,
  );
  const resources = placeUris(
    backends,
    {
      kind: 'resource',
      listOf: (b) => b.resources,
      uriOf: (r) => r.uri,
      withUri: (r, uri) => ({ ...r, uri }),
      expose: layout.prefixUris ? exposeResourceUri : own,
    },
    conflicts,
  );
  const templates = placeUris(
    backends,
    {
      kind: 'resourceTemplate',
      listOf: (b) => b.resourceTemplates,
      uriOf: (t) => t.uriTemplate,
      withUri: (t, uriTemplate) => ({ ...t, uriTemplate }),
      expose: layout.prefixUris ? exposeResourceTemplate : own,
    },
    conflicts,
  );
  const only = names.length === 1 ? names[0] : undefined;
  return Object.freeze({
    backends: names,
    tools: tools.items,
    resources: resources.items,
    resourceTemplates: templates.items,
    prompts: prompts.items,
    conflicts: Object.freeze(conflicts),
    resolveTool: (exposedName: string) => tools.index.get(exposedName) ?? null,
    resolvePrompt: (exposedName: string) => prompts.index.get(exposedName) ?? null,
    resolveResourceTemplate: (uriTemplate: string) => templates.index.get(uriTemplate) ?? null,
    resolveResource(uri: string) {
      if (!layout.prefixUris) {
        return only !== undefined && typeof uri === 'string' && uri.length > 0
          ? { backend: only, uri }
          : null;
      }
      const ref = resolveResourceUri(uri);
      return ref !== null && visible.has(ref.backend) ? ref : null;
    },
    exposeResourceUri(backend: string, uri: string) {
      if (!visible.has(backend) || typeof uri !== 'string' || uri.length === 0) return null;
      return layout.prefixUris ? exposeResourceUri(backend, uri) : uri;
    },
  });
}
