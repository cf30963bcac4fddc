import { UriTemplate, type Variables } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import {
  exposeResourceTemplate,
  exposeResourceUri,
  resolveResourceUri,
} from '../../../src/gateway/catalog/index.ts';

const ORIGINALS = [
  'file:///tmp/a.txt',
  'https://example.com/a/b?x=1&y=2#frag',
  'file:///My Documents/notes 1.txt',
  'note://日本語/ü?q=é#ß',
  'postgres://db/table?where=a/b#x/y',
  'file:///a/../b/./c',
  'gatehouse:other/file:///nested',
  'urn:isbn:0451450523',
  'relative/path',
  '/',
  '?',
  '#',
  'a%2Fb%20c',
];

describe('exposeResourceUri and resolveResourceUri', () => {
  it.each(ORIGINALS)('round-trips %s', (uri) => {
    for (const backend of ['files', 'a.b_c-D', '9']) {
      const exposed = exposeResourceUri(backend, uri);
      expect(exposed).toBe(`gatehouse:${backend}/${uri}`);
      expect(resolveResourceUri(exposed)).toEqual({ backend, uri });
    }
  });

  it('gives two backends with one URI different exposed URIs', () => {
    expect(exposeResourceUri('a', 'file:///x')).not.toBe(exposeResourceUri('b', 'file:///x'));
  });

  it.each(ORIGINALS.filter((uri) => /^[\x21-\x7e]*$/.test(uri)))(
    'exposes %s so that a WHATWG URL parser leaves it unchanged',
    (uri) => {
      const exposed = exposeResourceUri('files', uri);
      expect(new URL(exposed).href).toBe(exposed);
    },
  );

  it('matches the scheme without regard to case', () => {
    expect(resolveResourceUri('GateHouse:files/x')).toEqual({ backend: 'files', uri: 'x' });
  });

  it.each([
    { name: 'another scheme', value: 'file:///tmp/a.txt' },
    { name: 'the scheme alone', value: 'gatehouse:' },
    { name: 'no slash after the backend', value: 'gatehouse:files' },
    { name: 'nothing after the slash', value: 'gatehouse:files/' },
    { name: 'an empty backend', value: 'gatehouse:/x' },
    { name: 'an authority form', value: 'gatehouse://files/x' },
    { name: 'a backend starting with a dash', value: 'gatehouse:-files/x' },
    { name: 'a backend with a space', value: 'gatehouse:my files/x' },
    { name: 'a backend over 128 characters', value: `gatehouse:${'b'.repeat(129)}/x` },
    { name: 'a number', value: 42 },
    { name: 'null', value: null },
  ])('returns null for $name', ({ value }) => {
    expect(resolveResourceUri(value)).toBeNull();
  });

  it.each([
    { name: 'a backend with a slash', backend: 'a/b', uri: 'x' },
    { name: 'an empty backend', backend: '', uri: 'x' },
    { name: 'an empty URI', backend: 'files', uri: '' },
    { name: 'a URI that is not a string', backend: 'files', uri: 7 as unknown as string },
  ])('throws TypeError for $name', ({ backend, uri }) => {
    expect(() => exposeResourceUri(backend, uri)).toThrow(TypeError);
    expect(() => exposeResourceTemplate(backend, uri)).toThrow(TypeError);
  });
});

describe('exposeResourceTemplate', () => {
  const cases: Array<{ template: string; variables: Variables }> = [
    { template: 'file:///{path}', variables: { path: 'a b/c.txt' } },
    { template: 'file:///{+path}{?q,lang}', variables: { path: 'dir/a b', q: 'x#y', lang: 'é' } },
    {
      template: 'repo://{owner}/{repo}{/segments*}{#frag}',
      variables: { owner: 'o w', repo: 'r', segments: ['a', 'b'], frag: 'x y' },
    },
    { template: '{scheme}://host/{id}', variables: { scheme: 'db', id: 'a/b' } },
    { template: 'users://{id}/profile', variables: { id: '日本' } },
  ];

  it.each(cases)('resolves every URI expanded from $template', ({ template, variables }) => {
    const exposed = exposeResourceTemplate('files', template);
    expect(exposed).toBe(`gatehouse:files/${template}`);
    const expanded = new UriTemplate(exposed).expand(variables);
    expect(resolveResourceUri(expanded)).toEqual({
      backend: 'files',
      uri: new UriTemplate(template).expand(variables),
    });
  });

  it('expands to the prefix followed by the expanded original', () => {
    const exposed = exposeResourceTemplate('files', 'file:///{+path}{?q}');
    const expanded = new UriTemplate(exposed).expand({ path: 'a b/c', q: 'x#y' });
    expect(expanded).toBe('gatehouse:files/file:///a%20b/c?q=x%23y');
    expect(resolveResourceUri(expanded)).toEqual({ backend: 'files', uri: 'file:///a%20b/c?q=x%23y' });
  });

  it('lets the exposed template match the URIs it expands to', () => {
    const exposed = new UriTemplate(exposeResourceTemplate('gh', 'repo://{owner}/{repo}'));
    expect(exposed.match('gatehouse:gh/repo://octo/cat')).toEqual({ owner: 'octo', repo: 'cat' });
  });
});
