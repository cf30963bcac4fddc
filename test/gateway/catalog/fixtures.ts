import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type { Catalog, CatalogBackend } from '../../../src/gateway/catalog/index.ts';
import type { AccessPolicy } from '../../../src/identity/index.ts';

/** A tool with only a name and an empty object schema. */
export function tool(name: string): Tool {
  return { name, inputSchema: { type: 'object' } };
}

/** A backend offering the named tools and prompts, the given resource URIs and templates. */
export function backend(
  name: string,
  items: { tools?: string[]; prompts?: string[]; resources?: string[]; templates?: string[] } = {},
): CatalogBackend {
  return {
    name,
    tools: (items.tools ?? []).map(tool),
    prompts: (items.prompts ?? []).map((p): Prompt => ({ name: p })),
    resources: (items.resources ?? []).map((uri): Resource => ({ uri, name: uri })),
    resourceTemplates: (items.templates ?? []).map((uriTemplate): ResourceTemplateType => ({
      uriTemplate,
      name: uriTemplate,
    })),
  };
}

/** A policy with the given fields and empty lists for the rest. */
export function policy(fields: Partial<AccessPolicy> = {}): AccessPolicy {
  return { allowedMcps: [], blockedMcps: [], toolRules: [], ...fields };
}

/** The data of a catalog without its functions, for whole-value comparison. */
export function snapshot(catalog: Catalog): object {
  const { backends, tools, resources, resourceTemplates, prompts, conflicts } = catalog;
  return { backends, tools, resources, resourceTemplates, prompts, conflicts };
}

/** Exposed tool names of a catalog, in order. */
export function toolNames(catalog: Catalog): string[] {
  return catalog.tools.map((t) => t.name);
}
