import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type { AccessPolicy } from '../../identity/index.ts';
import type { NamedItem } from './assign-names.ts';
import type { PrefixMode } from './naming.ts';
import type { ResourceRef } from './resource-uri.ts';

/** What one backend offers, as its last list calls returned it; a missing list counts as empty. */
export interface CatalogBackend {
  readonly name: string;
  readonly tools?: readonly Tool[];
  readonly resources?: readonly Resource[];
  readonly resourceTemplates?: readonly ResourceTemplateType[];
  readonly prompts?: readonly Prompt[];
}

/** Naming of the aggregated endpoint; `separator` defaults to `__`, `prefixMode` to `always`. */
export interface CatalogOptions {
  readonly separator?: string;
  readonly prefixMode?: PrefixMode;
}

/** Everything buildCatalog needs: the backends, the identity's policies and the naming options. */
export interface CatalogInput {
  readonly backends: readonly CatalogBackend[];
  /** The user's policy, then any key scope; all must allow. */
  readonly policies: readonly AccessPolicy[];
  readonly options?: CatalogOptions;
}

/**
 * One item the catalog left out because an item earlier in the canonical order already has
 * its exposed name or URI. For resources and templates, `name` is the backend's URI or template.
 */
export interface CatalogConflict {
  readonly kind: 'tool' | 'prompt' | 'resource' | 'resourceTemplate';
  readonly exposed: string;
  readonly kept: NamedItem;
  readonly dropped: NamedItem;
}

/** What one identity sees on one endpoint, frozen; every lookup is a Map read. */
export interface Catalog {
  /** The backends the identity may use, by name in code-unit order. */
  readonly backends: readonly string[];
  /** Copies of the backends' tools under their exposed names; every other field is kept. */
  readonly tools: readonly Tool[];
  readonly resources: readonly Resource[];
  readonly resourceTemplates: readonly ResourceTemplateType[];
  readonly prompts: readonly Prompt[];
  readonly conflicts: readonly CatalogConflict[];
  /** The backend and its own name for an exposed tool name; null when not listed (or refused). */
  resolveTool(exposedName: string): NamedItem | null;
  /** The backend and its own name for an exposed prompt name; null when not listed. */
  resolvePrompt(exposedName: string): NamedItem | null;
  /**
   * The backend and its own URI for a URI the client sends (listed or not, such as one
   * expanded from a template or taken from a resource link); null when it names no backend
   * of this catalog.
   */
  resolveResource(uri: string): ResourceRef | null;
  /** The backend and its own template for an exposed template (completion/complete refs); null when not listed. */
  resolveResourceTemplate(uriTemplate: string): ResourceRef | null;
  /**
   * The URI this catalog shows for a backend's URI, to rewrite resource links, embedded
   * resources and resources/updated notifications; null when the backend is not in the catalog
   * or `uri` is empty.
   */
  exposeResourceUri(backend: string, uri: string): string | null;
}
