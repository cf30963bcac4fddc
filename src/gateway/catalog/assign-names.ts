import { exposedName, type PrefixMode } from './naming.ts';

/** One item a backend offers, under the backend's own name for it. */
export interface NamedItem {
  readonly backend: string;
  readonly name: string;
}

/** An item left out because an item earlier in the canonical order took its exposed name. */
export interface NameConflict {
  readonly exposed: string;
  readonly kept: NamedItem;
  readonly dropped: NamedItem;
}

/** The items that keep an exposed name, in canonical order, and those that lost theirs. */
export interface NameAssignment<T extends NamedItem> {
  readonly named: ReadonlyArray<{ readonly exposed: string; readonly item: T }>;
  readonly conflicts: readonly NameConflict[];
}

/**
 * Orders two strings by UTF-16 code units: -1, 0 or 1. Never localeCompare, so the winner of a
 * collision does not depend on the machine's locale.
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Gives each item its exposed name under `mode`, then settles collisions. The canonical order
 * is by backend name (code units), and within one backend the order the backend listed its
 * items, so the result does not depend on the order backends arrive in. When two items end up
 * with the same exposed name, the first in that order keeps it and the other is dropped and
 * reported: a bare name two backends share under `never`, a backend listing one name twice,
 * or a pathological clash such as backend `a` with tool `b__x` against backend `a__b` with
 * tool `x`. Under `conditional`, a name is prefixed when items from two or more different
 * backends carry it. The separator is not checked here; the catalog validates its options.
 */
export function assignNames<T extends NamedItem>(
  items: readonly T[],
  mode: PrefixMode,
  separator: string,
): NameAssignment<T> {
  const ordered = [...items].sort((a, b) => compareNames(a.backend, b.backend));
  const shared = mode === 'conditional' ? namesOfSeveralBackends(ordered) : null;
  const owners = new Map<string, T>();
  const named: Array<{ exposed: string; item: T }> = [];
  const conflicts: NameConflict[] = [];
  for (const item of ordered) {
    const prefixed = mode === 'always' || (shared !== null && shared.has(item.name));
    const exposed = exposedName(prefixed ? `${item.backend}${separator}${item.name}` : item.name);
    const owner = owners.get(exposed);
    if (owner === undefined) {
      owners.set(exposed, item);
      named.push({ exposed, item });
    } else {
      conflicts.push({ exposed, kept: refOf(owner), dropped: refOf(item) });
    }
  }
  return { named, conflicts };
}

function namesOfSeveralBackends(ordered: readonly NamedItem[]): Set<string> {
  const firstBackend = new Map<string, string>();
  const shared = new Set<string>();
  for (const { backend, name } of ordered) {
    const first = firstBackend.get(name);
    if (first === undefined) firstBackend.set(name, backend);
    else if (first !== backend) shared.add(name);
  }
  return shared;
}

function refOf(item: NamedItem): NamedItem {
  return Object.freeze({ backend: item.backend, name: item.name });
}
