import type { Tool } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignNames,
  buildCatalog,
  exposedName,
  exposeResourceTemplate,
  exposeResourceUri,
  MAX_EXPOSED_NAME_LENGTH,
  type NamedItem,
  PREFIX_MODES,
  resolveResourceUri,
} from '../../src/gateway/catalog/index.ts';
import { OPEN_POLICY } from '../../src/identity/index.ts';

const EXPOSED = /^[A-Za-z0-9_.-]{1,64}$/;
const BACKEND = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const LONG_BACKEND = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
// Tool names as backends send them: mostly tidy, sometimes long, spaced, non-ASCII or empty.
const TOOL_NAME = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,80}$/),
  fc.string({ unit: 'grapheme', maxLength: 90 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const SEPARATOR = fc.constantFrom('__', '_', '-', '--', '___', '_-_-');
const MODE = fc.constantFrom(...PREFIX_MODES);
/** A catalog's items: distinct backends, each listing names (possibly one twice). */
const ITEMS = fc
  .uniqueArray(fc.tuple(LONG_BACKEND, fc.array(TOOL_NAME, { maxLength: 6 })), {
    selector: ([backend]) => backend,
    maxLength: 5,
  })
  .map((backends) => backends.flatMap(([backend, names]) => names.map((name) => ({ backend, name }))));

describe('exposedName (property)', () => {
  it('gives at most 64 characters of [A-Za-z0-9_.-] for any string, deterministically', () => {
    fc.assert(
      fc.property(TOOL_NAME, (full) => {
        const name = exposedName(full);
        expect(name).toMatch(EXPOSED);
        expect(name.length).toBeLessThanOrEqual(MAX_EXPOSED_NAME_LENGTH);
        expect(exposedName(full)).toBe(name);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same name after its cache has forgotten it', () => {
    const names = fc.sample(fc.string({ unit: 'grapheme', minLength: 65, maxLength: 90 }), 50);
    const first = names.map(exposedName);
    for (let i = 0; i < 5000; i += 1) exposedName(`evict ${i}`);
    expect(names.map(exposedName)).toEqual(first);
  });

  it('keeps a name that is already valid, and marks every rewritten one with a hash suffix', () => {
    fc.assert(
      fc.property(TOOL_NAME, (full) => {
        const name = exposedName(full);
        if (EXPOSED.test(full)) expect(name).toBe(full);
        else expect(name).toMatch(/_[0-9a-f]{8}$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives distinct rewritten names to distinct names that need rewriting', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          TOOL_NAME.filter((n) => !EXPOSED.test(n)),
          { minLength: 2, maxLength: 40 },
        ),
        (fulls) => {
          expect(new Set(fulls.map(exposedName)).size).toBe(fulls.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('assignNames (property)', () => {
  it('names every item once or reports it as a conflict, never two items with one name', () => {
    fc.assert(
      fc.property(ITEMS, MODE, SEPARATOR, (items, mode, separator) => {
        const { named, conflicts } = assignNames(items, mode, separator);
        expect(named.length + conflicts.length).toBe(items.length);
        expect(new Set(named.map((n) => n.exposed)).size).toBe(named.length);
        for (const { exposed } of named) expect(exposed).toMatch(EXPOSED);
        const owner = new Map(named.map((n) => [n.exposed, n.item]));
        for (const conflict of conflicts) {
          expect(owner.get(conflict.exposed)).toEqual(conflict.kept);
          expect(items).toContainEqual(conflict.dropped);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('maps each exposed name back to exactly the backend and tool it was given for', () => {
    fc.assert(
      fc.property(ITEMS, MODE, SEPARATOR, (items, mode, separator) => {
        const { named } = assignNames(items, mode, separator);
        for (const { exposed, item } of named) {
          const bare = exposedName(item.name);
          const prefixed = exposedName(`${item.backend}${separator}${item.name}`);
          if (mode === 'always') expect(exposed).toBe(prefixed);
          else if (mode === 'never') expect(exposed).toBe(bare);
          else expect([bare, prefixed]).toContain(exposed);
        }
        // Through a whole catalog: resolveTool inverts the exposed names.
        const byBackend = new Map<string, Tool[]>();
        for (const { backend, name } of items)
          byBackend.set(backend, [
            ...(byBackend.get(backend) ?? []),
            { name, inputSchema: { type: 'object' } },
          ]);
        const catalog = buildCatalog({
          backends: [...byBackend].map(([name, tools]) => ({ name, tools })),
          policies: [OPEN_POLICY],
          options: { prefixMode: mode, separator },
        });
        const named2 = new Map(named.map((n) => [n.exposed, n.item]));
        for (const tool of catalog.tools) {
          const resolved = catalog.resolveTool(tool.name);
          expect(resolved).not.toBeNull();
          expect(named2.get(tool.name)).toEqual(resolved);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order the backends arrive in', () => {
    fc.assert(
      fc.property(
        ITEMS.chain((items) =>
          fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length })),
        ),
        MODE,
        SEPARATOR,
        ([items, shuffled], mode, separator) => {
          // Keep each backend's own listing order; only the interleaving of backends changes.
          const backends = [...new Set(shuffled.map((i) => i.backend))];
          const reordered: NamedItem[] = backends.flatMap((b) => items.filter((i) => i.backend === b));
          expect(assignNames(reordered, mode, separator)).toEqual(assignNames(items, mode, separator));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('prefixes under conditional exactly the names two or more backends offer', () => {
    fc.assert(
      fc.property(ITEMS, SEPARATOR, (items, separator) => {
        const owners = new Map<string, Set<string>>();
        for (const { backend, name } of items) owners.set(name, (owners.get(name) ?? new Set()).add(backend));
        for (const { exposed, item } of assignNames(items, 'conditional', separator).named) {
          const shared = owners.get(item.name)!.size > 1;
          expect(exposed).toBe(exposedName(shared ? `${item.backend}${separator}${item.name}` : item.name));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lets the backend first in code-unit order keep a bare name two backends share under never', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(BACKEND, { minLength: 2, maxLength: 5 }),
        fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/),
        (backends, name) => {
          const { named, conflicts } = assignNames(
            backends.map((backend) => ({ backend, name })),
            'never',
            '__',
          );
          const first = [...backends].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0];
          expect(named).toEqual([{ exposed: name, item: { backend: first, name } }]);
          expect(conflicts).toHaveLength(backends.length - 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('resource URIs (property)', () => {
  const URI = fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.string({ minLength: 1, unit: 'grapheme' }),
  );

  it('round-trips any backend and non-empty URI or template through expose and resolve', () => {
    fc.assert(
      fc.property(LONG_BACKEND, URI, (backend, uri) => {
        expect(resolveResourceUri(exposeResourceUri(backend, uri))).toEqual({ backend, uri });
        expect(resolveResourceUri(exposeResourceTemplate(backend, uri))).toEqual({ backend, uri });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives distinct exposed URIs to distinct (backend, URI) pairs', () => {
    fc.assert(
      fc.property(LONG_BACKEND, URI, LONG_BACKEND, URI, (b1, u1, b2, u2) => {
        if (b1 !== b2 || u1 !== u2) expect(exposeResourceUri(b1, u1)).not.toBe(exposeResourceUri(b2, u2));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws resolving anything, and what it resolves exposes back to the same URI', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string({ unit: 'binary' }),
          fc.string().map((s) => `gatehouse:${s}`),
          fc.string().map((s) => `GateHouse:${s}`),
        ),
        (value) => {
          const ref = resolveResourceUri(value);
          if (ref === null) return;
          const text = value as string;
          expect(exposeResourceUri(ref.backend, ref.uri)).toBe(
            `gatehouse:${text.slice('gatehouse:'.length)}`,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});
