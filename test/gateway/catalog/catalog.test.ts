import type { Tool } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import {
  buildCatalog,
  type CatalogBackend,
  type CatalogOptions,
  type PrefixMode,
} from '../../../src/gateway/catalog/index.ts';
import { OPEN_POLICY } from '../../../src/identity/index.ts';
import { backend, snapshot, tool, toolNames } from './fixtures.ts';

const open = [OPEN_POLICY];

const rich: Tool = {
  name: 'search',
  title: 'Search the code',
  description: 'Full-text search',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  outputSchema: { type: 'object', properties: { hits: { type: 'number' } } },
  annotations: { readOnlyHint: true, openWorldHint: false },
  _meta: { 'example.com/version': 3 },
};

const fleet: CatalogBackend[] = [
  backend('notes', { tools: ['search', 'create'], prompts: ['summarize'], resources: ['note://1'] }),
  {
    ...backend('github', { prompts: ['summarize', 'review'], templates: ['repo://{owner}/{repo}'] }),
    tools: [rich, { name: 'create_issue', inputSchema: { type: 'object' } }],
  },
];

function catalogOf(options?: CatalogOptions, backends = fleet) {
  return buildCatalog({ backends, policies: open, options });
}

describe('buildCatalog naming', () => {
  it.each<{ mode: PrefixMode; tools: string[]; prompts: string[] }>([
    {
      mode: 'always',
      tools: ['github__search', 'github__create_issue', 'notes__search', 'notes__create'],
      prompts: ['github__summarize', 'github__review', 'notes__summarize'],
    },
    {
      mode: 'conditional',
      tools: ['github__search', 'create_issue', 'notes__search', 'create'],
      prompts: ['github__summarize', 'review', 'notes__summarize'],
    },
    {
      mode: 'never',
      tools: ['search', 'create_issue', 'create'],
      prompts: ['summarize', 'review'],
    },
  ])('$mode names tools and prompts, backends in name order', ({ mode, tools, prompts }) => {
    const catalog = catalogOf({ prefixMode: mode });
    expect(toolNames(catalog)).toEqual(tools);
    expect(catalog.prompts.map((p) => p.name)).toEqual(prompts);
  });

  it('defaults to always with the __ separator', () => {
    expect(toolNames(catalogOf())).toEqual(toolNames(catalogOf({ prefixMode: 'always', separator: '__' })));
  });

  it('uses the configured separator', () => {
    expect(toolNames(catalogOf({ separator: '-' }))).toContain('notes-search');
  });

  it('copies each tool with the exposed name and every other field kept', () => {
    const catalog = catalogOf();
    const copy = catalog.tools.find((t) => t.name === 'github__search');
    expect(copy).toEqual({ ...rich, name: 'github__search' });
    expect(copy).not.toBe(rich);
    expect(rich.name).toBe('search');
    expect(Object.isFrozen(copy)).toBe(true);
    expect(Object.isFrozen(catalog)).toBe(true);
    expect(Object.isFrozen(catalog.tools)).toBe(true);
  });

  it.each<{ mode: PrefixMode; exposed: string; expected: { backend: string; name: string } | null }>([
    { mode: 'always', exposed: 'github__search', expected: { backend: 'github', name: 'search' } },
    { mode: 'always', exposed: 'search', expected: null },
    { mode: 'conditional', exposed: 'create', expected: { backend: 'notes', name: 'create' } },
    { mode: 'conditional', exposed: 'notes__create', expected: null },
    { mode: 'never', exposed: 'search', expected: { backend: 'github', name: 'search' } },
    { mode: 'never', exposed: 'unknown', expected: null },
  ])('$mode resolves tool $exposed', ({ mode, exposed, expected }) => {
    expect(catalogOf({ prefixMode: mode }).resolveTool(exposed)).toEqual(expected);
  });

  it('resolves prompts through the catalog', () => {
    const catalog = catalogOf({ prefixMode: 'conditional' });
    expect(catalog.resolvePrompt('review')).toEqual({ backend: 'github', name: 'review' });
    expect(catalog.resolvePrompt('notes__summarize')).toEqual({ backend: 'notes', name: 'summarize' });
    expect(catalog.resolvePrompt('summarize')).toBeNull();
  });

  it('resolves a name holding the separator to the backend that owns it, never by splitting', () => {
    const catalog = catalogOf({}, [backend('a', { tools: ['b__c'] }), backend('a__b', { tools: ['d'] })]);
    expect(catalog.resolveTool('a__b__c')).toEqual({ backend: 'a', name: 'b__c' });
    expect(catalog.resolveTool('a__b__d')).toEqual({ backend: 'a__b', name: 'd' });
  });

  it('under never, reports every dropped tool and prompt with its kind', () => {
    expect(catalogOf({ prefixMode: 'never' }).conflicts).toEqual([
      {
        kind: 'tool',
        exposed: 'search',
        kept: { backend: 'github', name: 'search' },
        dropped: { backend: 'notes', name: 'search' },
      },
      {
        kind: 'prompt',
        exposed: 'summarize',
        kept: { backend: 'github', name: 'summarize' },
        dropped: { backend: 'notes', name: 'summarize' },
      },
    ]);
  });

  it('shortens an over-long name and resolves it back', () => {
    const long = 'create_pull_request_review_comment_reply_with_suggestions_for_each_changed_file';
    const catalog = catalogOf({}, [backend('github', { tools: [long] })]);
    expect(toolNames(catalog)).toEqual(['github__create_pull_request_review_comment_reply_with_s_afee7d99']);
    expect(catalog.resolveTool('github__create_pull_request_review_comment_reply_with_s_afee7d99')).toEqual({
      backend: 'github',
      name: long,
    });
  });

  it('skips items without a string name or a non-empty URI', () => {
    const broken = {
      name: 'broken',
      tools: [{ inputSchema: { type: 'object' } }, null, tool('ok')],
      resources: [{ name: 'no uri' }, { uri: '', name: 'empty' }],
    } as unknown as CatalogBackend;
    const catalog = catalogOf({}, [broken]);
    expect(toolNames(catalog)).toEqual(['broken__ok']);
    expect(catalog.resources).toEqual([]);
  });
});

describe('buildCatalog determinism', () => {
  it.each<PrefixMode>(['always', 'conditional', 'never'])(
    'gives the same catalog for any backend order (%s)',
    (mode) => {
      const forward = catalogOf({ prefixMode: mode });
      expect(snapshot(catalogOf({ prefixMode: mode }))).toEqual(snapshot(forward));
      expect(snapshot(catalogOf({ prefixMode: mode }, [...fleet].reverse()))).toEqual(snapshot(forward));
    },
  );

  it('lists a thousand tools of ten backends', () => {
    const many = Array.from({ length: 10 }, (_, b) =>
      backend(`b${b}`, { tools: Array.from({ length: 100 }, (_, t) => `tool_${t}`) }),
    );
    const catalog = catalogOf({ prefixMode: 'conditional' }, many);
    expect(catalog.tools).toHaveLength(1000);
    expect(catalog.resolveTool('b9__tool_99')).toEqual({ backend: 'b9', name: 'tool_99' });
  });
});

describe('buildCatalog refuses a caller’s mistakes', () => {
  it.each([
    { name: 'no input', input: undefined },
    { name: 'backends not an array', input: { backends: {}, policies: open } },
    { name: 'an empty policy list', input: { backends: [], policies: [] } },
    { name: 'a backend without a name', input: { backends: [{}], policies: open } },
    { name: 'an invalid backend name', input: { backends: [backend('a/b')], policies: open } },
    { name: 'two backends with one name', input: { backends: [backend('a'), backend('a')], policies: open } },
    { name: 'a dot separator', input: { backends: [], policies: open, options: { separator: '.' } } },
    { name: 'a long separator', input: { backends: [], policies: open, options: { separator: '_____' } } },
    {
      name: 'an unknown prefix mode',
      input: { backends: [], policies: open, options: { prefixMode: 'sometimes' } },
    },
  ])('throws TypeError for $name', ({ input }) => {
    expect(() => buildCatalog(input as never)).toThrow(TypeError);
  });
});
