import { assignNames, type NamedItem } from './assign-names.ts';
import type { PrefixMode } from './naming.ts';
import type { ResourceRef } from './resource-uri.ts';
import type { CatalogBackend, CatalogConflict } from './types.ts';

/** The frozen items one endpoint lists, and the map from each exposed key to its origin. */
export interface Collected<T, R> {
  readonly items: readonly T[];
  readonly index: ReadonlyMap<string, R>;
}

interface Offered<T> extends NamedItem {
  readonly value: T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Which list of a backend to name, and which of its items the policies allow. */
export interface NameSpec<T> {
  readonly kind: 'tool' | 'prompt';
  readonly listOf: (backend: CatalogBackend) => readonly T[] | undefined;
  readonly allow: (backend: string, name: string) => boolean;
}

/** Which list of a backend to place, how to read and replace an item's URI, and how to expose it. */
export interface UriSpec<T> {
  readonly kind: 'resource' | 'resourceTemplate';
  readonly listOf: (backend: CatalogBackend) => readonly T[] | undefined;
  readonly uriOf: (item: T) => unknown;
  readonly withUri: (item: T, uri: string) => T;
  readonly expose: (backend: string, uri: string) => string;
}

/**
 * Tools or prompts of `backends` (already filtered and in canonical order) under their exposed
 * names: each a frozen shallow copy with only `name` replaced. Items without a string name, or
 * that `spec.allow` refuses, are skipped; names lost to a collision are appended to `conflicts`.
 */
export function nameItems<T extends { name: string }>(
  backends: readonly CatalogBackend[],
  spec: NameSpec<T>,
  layout: { readonly mode: PrefixMode; readonly separator: string },
  conflicts: CatalogConflict[],
): Collected<T, NamedItem> {
  const offered: Array<Offered<T>> = [];
  for (const backend of backends) {
    for (const value of spec.listOf(backend) ?? []) {
      const name: unknown = isObject(value) ? value.name : undefined;
      if (typeof name !== 'string' || !spec.allow(backend.name, name)) continue;
      offered.push({ backend: backend.name, name, value });
    }
  }
  const assignment = assignNames(offered, layout.mode, layout.separator);
  for (const lost of assignment.conflicts) conflicts.push(Object.freeze({ kind: spec.kind, ...lost }));
  const items: T[] = [];
  const index = new Map<string, NamedItem>();
  for (const { exposed, item } of assignment.named) {
    items.push(Object.freeze({ ...item.value, name: exposed }));
    index.set(exposed, Object.freeze({ backend: item.backend, name: item.name }));
  }
  return { items: Object.freeze(items), index };
}

/**
 * Resources or resource templates of `backends` under their exposed URIs: each a frozen
 * shallow copy whose URI `spec.withUri` replaces by `spec.expose(backend, uri)`. Items without
 * a non-empty string URI are skipped; a URI listed twice keeps its first item and reports the
 * other in `conflicts`.
 */
export function placeUris<T>(
  backends: readonly CatalogBackend[],
  spec: UriSpec<T>,
  conflicts: CatalogConflict[],
): Collected<T, ResourceRef> {
  const items: T[] = [];
  const index = new Map<string, ResourceRef>();
  for (const backend of backends) {
    for (const item of spec.listOf(backend) ?? []) {
      const uri = isObject(item) ? spec.uriOf(item) : undefined;
      if (typeof uri !== 'string' || uri.length === 0) continue;
      const exposed = spec.expose(backend.name, uri);
      const kept = index.get(exposed);
      if (kept !== undefined) {
        const first = Object.freeze({ backend: kept.backend, name: kept.uri });
        const dropped = Object.freeze({ backend: backend.name, name: uri });
        conflicts.push(Object.freeze({ kind: spec.kind, exposed, kept: first, dropped }));
        continue;
      }
      index.set(exposed, Object.freeze({ backend: backend.name, uri }));
      items.push(Object.freeze(spec.withUri(item, exposed)));
    }
  }
  return { items: Object.freeze(items), index };
}
