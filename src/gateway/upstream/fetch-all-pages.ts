import { BackendError } from './backend-error.ts';

/** One page of a paginated MCP list result. */
export interface Page<T> {
  items: readonly T[];
  nextCursor?: string | undefined;
}

/** Upper bound on pages in one listing, against a backend whose cursors never end. */
export const MAX_PAGES = 100;

/**
 * Walks a paginated MCP list (tools/list, resources/list, …) to its end and returns every item.
 * A backend that repeats a cursor or exceeds {@link MAX_PAGES} pages fails with `bad_response`.
 */
export async function fetchAllPages<T>(
  backend: string,
  method: string,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === undefined) return items;
    if (seen.has(cursor)) break;
    seen.add(cursor);
  }
  throw new BackendError('bad_response', backend, `backend "${backend}" paginates ${method} without end`);
}
