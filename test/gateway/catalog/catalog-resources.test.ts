import { UriTemplate } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { buildCatalog, singleBackendCatalog } from '../../../src/gateway/catalog/index.ts';
import { OPEN_POLICY } from '../../../src/identity/index.ts';
import { backend, policy, toolNames } from './fixtures.ts';

const open = [OPEN_POLICY];
const uris = ['file:///tmp/a b.txt', 'https://example.com/x?y=1#z', 'note://日本語/ü'];

const fleet = [
  backend('files', { resources: uris, templates: ['file:///{+path}'] }),
  backend('web', { resources: ['https://example.com/x?y=1#z'], templates: ['https://{host}/{path}{?q}'] }),
];

describe('aggregated resources', () => {
  const catalog = buildCatalog({ backends: fleet, policies: open, options: { prefixMode: 'never' } });

  it('lists every resource under gatehouse:{backend}/{uri}, whatever the prefix mode', () => {
    expect(catalog.resources.map((r) => r.uri)).toEqual([
      'gatehouse:files/file:///tmp/a b.txt',
      'gatehouse:files/https://example.com/x?y=1#z',
      'gatehouse:files/note://日本語/ü',
      'gatehouse:web/https://example.com/x?y=1#z',
    ]);
    expect(catalog.resources[0]).toEqual({ uri: 'gatehouse:files/file:///tmp/a b.txt', name: uris[0] });
  });

  it('resolves every listed URI back to its backend and original', () => {
    const resolved = catalog.resources.map((r) => catalog.resolveResource(r.uri));
    expect(resolved).toEqual([
      ...uris.map((uri) => ({ backend: 'files', uri })),
      { backend: 'web', uri: 'https://example.com/x?y=1#z' },
    ]);
  });

  it('resolves a URI the client expanded from an exposed template', () => {
    const template = catalog.resourceTemplates.find((t) => t.uriTemplate.startsWith('gatehouse:web/'));
    expect(template?.uriTemplate).toBe('gatehouse:web/https://{host}/{path}{?q}');
    const uri = new UriTemplate(template?.uriTemplate ?? '').expand({
      host: 'h.example',
      path: 'a b',
      q: 'é',
    });
    expect(catalog.resolveResource(uri)).toEqual({ backend: 'web', uri: 'https://h.example/a%20b?q=%C3%A9' });
  });

  it('resolves an exposed template to the backend’s own template', () => {
    expect(catalog.resolveResourceTemplate('gatehouse:files/file:///{+path}')).toEqual({
      backend: 'files',
      uri: 'file:///{+path}',
    });
    expect(catalog.resolveResourceTemplate('file:///{+path}')).toBeNull();
  });

  it.each([
    { name: 'an original URI', uri: 'file:///tmp/a b.txt' },
    { name: 'a backend not in the catalog', uri: 'gatehouse:other/file:///x' },
    { name: 'a malformed URI', uri: 'gatehouse:files' },
  ])('returns null for $name', ({ uri }) => {
    expect(catalog.resolveResource(uri)).toBeNull();
  });

  it('exposes a backend URI for rewriting links, and null for an unknown backend', () => {
    expect(catalog.exposeResourceUri('files', 'file:///new')).toBe('gatehouse:files/file:///new');
    expect(catalog.exposeResourceUri('other', 'file:///new')).toBeNull();
    expect(catalog.exposeResourceUri('files', '')).toBeNull();
  });

  it('keeps the first of a URI one backend lists twice and reports the other', () => {
    const twice = buildCatalog({
      backends: [backend('files', { resources: ['a://1', 'a://1'] })],
      policies: open,
    });
    expect(twice.resources).toHaveLength(1);
    expect(twice.conflicts).toEqual([
      {
        kind: 'resource',
        exposed: 'gatehouse:files/a://1',
        kept: { backend: 'files', name: 'a://1' },
        dropped: { backend: 'files', name: 'a://1' },
      },
    ]);
  });
});

describe('singleBackendCatalog', () => {
  const files = backend('files', {
    tools: ['read file', 'list', 'files__x'],
    prompts: ['explain'],
    resources: uris,
    templates: ['file:///{+path}'],
  });

  it('keeps names bare, still rewriting an invalid one', () => {
    const catalog = singleBackendCatalog(files, open);
    expect(catalog.backends).toEqual(['files']);
    expect(toolNames(catalog)).toEqual(['read_file_1214148e', 'list', 'files__x']);
    expect(catalog.resolveTool('read_file_1214148e')).toEqual({ backend: 'files', name: 'read file' });
    expect(catalog.resolvePrompt('explain')).toEqual({ backend: 'files', name: 'explain' });
  });

  it('keeps the backend’s URIs and templates and resolves any URI to the backend', () => {
    const catalog = singleBackendCatalog(files, open);
    expect(catalog.resources.map((r) => r.uri)).toEqual(uris);
    expect(catalog.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['file:///{+path}']);
    expect(catalog.resolveResource('file:///unlisted')).toEqual({
      backend: 'files',
      uri: 'file:///unlisted',
    });
    expect(catalog.resolveResource('')).toBeNull();
    expect(catalog.exposeResourceUri('files', 'file:///x')).toBe('file:///x');
  });

  it('is empty, resolving nothing, when the policies refuse the backend', () => {
    const catalog = singleBackendCatalog(files, [policy({ blockedMcps: ['files'] })]);
    expect(catalog.backends).toEqual([]);
    expect(catalog.tools).toEqual([]);
    expect(catalog.resources).toEqual([]);
    expect(catalog.prompts).toEqual([]);
    expect(catalog.resolveResource('file:///x')).toBeNull();
    expect(catalog.resolveTool('list')).toBeNull();
  });

  it('throws TypeError for an invalid backend or no policies', () => {
    expect(() => singleBackendCatalog(backend('bad name'), open)).toThrow(TypeError);
    expect(() => singleBackendCatalog(files, [])).toThrow(TypeError);
  });
});
