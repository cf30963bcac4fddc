import type {
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/client';
import type { ListKind } from './open-session.ts';

/** The item type of each cached list. */
export interface ListItems {
  tools: Tool;
  resources: Resource;
  resourceTemplates: ResourceTemplate;
  prompts: Prompt;
}

/** A cached list's name. */
export type ListName = keyof ListItems;

/** The MCP method that lists each kind. */
export const LIST_METHODS = {
  tools: 'tools/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
  prompts: 'prompts/list',
} as const;

/** The server capability that must be present for each list to exist. */
export const LIST_CAPABILITY = {
  tools: 'tools',
  resources: 'resources',
  resourceTemplates: 'resources',
  prompts: 'prompts',
} as const;

/** Which cached lists a `list_changed` notification of each kind makes stale. */
const STALE_ON: Record<ListKind, readonly ListName[]> = {
  tools: ['tools'],
  prompts: ['prompts'],
  resources: ['resources', 'resourceTemplates'],
};

/**
 * Complete backend listings, kept until the backend says they changed. Concurrent readers share one
 * fetch; a failed fetch is not kept.
 */
export class ListCache {
  #entries = new Map<ListName, Promise<readonly unknown[]>>();

  /** The cached list `name`, or the result of `fetch` (stored for the next reader). */
  get<N extends ListName>(name: N, fetch: () => Promise<ListItems[N][]>): Promise<readonly ListItems[N][]> {
    const cached = this.#entries.get(name) as Promise<readonly ListItems[N][]> | undefined;
    if (cached) return cached;
    const pending = fetch();
    this.#entries.set(name, pending);
    pending.catch(() => {
      if (this.#entries.get(name) === pending) this.#entries.delete(name);
    });
    return pending;
  }

  /** Forgets the lists a `list_changed` of `kind` affects. */
  invalidate(kind: ListKind): void {
    for (const name of STALE_ON[kind]) this.#entries.delete(name);
  }

  /** Forgets everything (a new session may serve different lists). */
  clear(): void {
    this.#entries.clear();
  }
}
