import { describe, expect, it } from 'vitest';
import {
  assignNames,
  exposedName,
  type NamedItem,
  type PrefixMode,
} from '../../../src/gateway/catalog/index.ts';

const item = (backend: string, name: string): NamedItem => ({ backend, name });

/** Exposed name → "backend:name", the easiest shape to compare whole. */
function mapping(items: NamedItem[], mode: PrefixMode, separator = '__'): Record<string, string> {
  const { named } = assignNames(items, mode, separator);
  return Object.fromEntries(named.map(({ exposed, item: i }) => [exposed, `${i.backend}:${i.name}`]));
}

const shared = [
  item('beta', 'search'),
  item('beta', 'list'),
  item('alpha', 'search'),
  item('alpha', 'fetch'),
];

describe('assignNames by prefix mode', () => {
  it.each<{ mode: PrefixMode; separator?: string; expected: Record<string, string> }>([
    {
      mode: 'always',
      expected: {
        alpha__search: 'alpha:search',
        alpha__fetch: 'alpha:fetch',
        beta__search: 'beta:search',
        beta__list: 'beta:list',
      },
    },
    {
      mode: 'always',
      separator: '-',
      expected: {
        'alpha-search': 'alpha:search',
        'alpha-fetch': 'alpha:fetch',
        'beta-search': 'beta:search',
        'beta-list': 'beta:list',
      },
    },
    {
      mode: 'conditional',
      expected: {
        alpha__search: 'alpha:search',
        fetch: 'alpha:fetch',
        beta__search: 'beta:search',
        list: 'beta:list',
      },
    },
    { mode: 'never', expected: { search: 'alpha:search', fetch: 'alpha:fetch', list: 'beta:list' } },
  ])('$mode with separator $separator', ({ mode, separator, expected }) => {
    expect(mapping(shared, mode, separator)).toEqual(expected);
  });

  it('orders the result by backend name, keeping each backend its own order', () => {
    const { named } = assignNames(shared, 'always', '__');
    expect(named.map((n) => n.exposed)).toEqual([
      'alpha__search',
      'alpha__fetch',
      'beta__search',
      'beta__list',
    ]);
  });

  it('under never, lets the backend first by name keep a shared name and reports the rest', () => {
    const items = [item('zeta', 'run'), item('mid', 'run'), item('alpha', 'run')];
    const { named, conflicts } = assignNames(items, 'never', '__');
    expect(named.map((n) => n.item)).toEqual([item('alpha', 'run')]);
    expect(conflicts).toEqual([
      { exposed: 'run', kept: item('alpha', 'run'), dropped: item('mid', 'run') },
      { exposed: 'run', kept: item('alpha', 'run'), dropped: item('zeta', 'run') },
    ]);
  });

  it('under conditional, does not prefix a name one backend lists twice', () => {
    const { named, conflicts } = assignNames([item('a', 'x'), item('a', 'x')], 'conditional', '__');
    expect(named.map((n) => n.exposed)).toEqual(['x']);
    expect(conflicts).toEqual([{ exposed: 'x', kept: item('a', 'x'), dropped: item('a', 'x') }]);
  });

  it('under always, reports a clash made by the separator inside names', () => {
    const { named, conflicts } = assignNames([item('a__b', 'x'), item('a', 'b__x')], 'always', '__');
    expect(named).toEqual([{ exposed: 'a__b__x', item: item('a', 'b__x') }]);
    expect(conflicts).toEqual([{ exposed: 'a__b__x', kept: item('a', 'b__x'), dropped: item('a__b', 'x') }]);
  });

  it('under conditional, reports a bare name equal to another backend’s prefixed one', () => {
    const items = [item('a', 'x'), item('b', 'x'), item('c', 'a__x')];
    const { named, conflicts } = assignNames(items, 'conditional', '__');
    expect(named.map((n) => n.exposed)).toEqual(['a__x', 'b__x']);
    expect(conflicts).toEqual([{ exposed: 'a__x', kept: item('a', 'x'), dropped: item('c', 'a__x') }]);
  });

  it('reports a literal name equal to another’s shortened name', () => {
    const rewritten = exposedName('weather/forecast today');
    const items = [item('beta', rewritten), item('alpha', 'weather/forecast today')];
    const { named, conflicts } = assignNames(items, 'never', '__');
    expect(named).toEqual([{ exposed: rewritten, item: item('alpha', 'weather/forecast today') }]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.dropped).toEqual(item('beta', rewritten));
  });

  it('keeps a name that contains the separator whole, so the mapping never parses it', () => {
    expect(mapping([item('gh', 'repo__list')], 'always')).toEqual({ gh__repo__list: 'gh:repo__list' });
    expect(mapping([item('gh', 'repo__list')], 'never')).toEqual({ repo__list: 'gh:repo__list' });
  });

  it('shortens over-long prefixed names and keeps them apart', () => {
    const long = 'l'.repeat(70);
    const { named } = assignNames([item('alpha', long), item('beta', long)], 'conditional', '__');
    expect(named).toHaveLength(2);
    for (const { exposed } of named) expect(exposed).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(named[0]?.exposed.startsWith('alpha__lll')).toBe(true);
    expect(named[1]?.exposed.startsWith('beta__lll')).toBe(true);
  });

  it.each<PrefixMode>(['always', 'conditional', 'never'])(
    'gives the same result for any input order (%s)',
    (mode) => {
      const items = [...shared, item('gamma', 'list'), item('gamma', 'search'), item('alpha', 'list')];
      const forward = assignNames(items, mode, '__');
      const byBackend = (order: string[]): NamedItem[] =>
        order.flatMap((b) => items.filter((i) => i.backend === b));
      expect(assignNames(byBackend(['gamma', 'beta', 'alpha']), mode, '__')).toEqual(forward);
      expect(assignNames(byBackend(['beta', 'alpha', 'gamma']), mode, '__')).toEqual(forward);
    },
  );
});
