import { describe, expect, it } from 'vitest';
import { checkedToolResult } from '../../../src/gateway/upstream/tool-result.ts';

describe('checkedToolResult', () => {
  it('passes a valid result through as sent, extra fields included', () => {
    const result = {
      content: [
        { type: 'text', text: 'hi' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
        { type: 'resource_link', uri: 'file:///a', name: 'a' },
        { type: 'resource', resource: { uri: 'file:///b', text: 'b' } },
      ],
      structuredContent: { n: 1 },
      isError: false,
      _meta: { trace: 'x' },
      extra: 'kept',
    };
    expect(checkedToolResult(result)).toEqual(result);
  });

  it('drops resultType and defaults a missing content to an empty list', () => {
    expect(checkedToolResult({ resultType: 'complete', structuredContent: { a: 1 } })).toEqual({
      content: [],
      structuredContent: { a: 1 },
    });
  });

  it.each([
    ['not an object', 'text'],
    ['an array', []],
    ['content that is not a list', { content: 'text' }],
    ['a block of an unknown type', { content: [{ type: 'video', url: 'x' }] }],
    ['a text block without text', { content: [{ type: 'text' }] }],
    ['an image block without a mime type', { content: [{ type: 'image', data: 'AAAA' }] }],
    ['a resource block without a uri', { content: [{ type: 'resource', resource: { text: 'b' } }] }],
    ['a non-boolean isError', { content: [], isError: 'yes' }],
    ['structuredContent that is not an object', { content: [], structuredContent: [1] }],
    ['_meta that is not an object', { content: [], _meta: 'x' }],
    ['another result family without content', { inputRequests: {} }],
  ])('refuses %s', (_what, raw) => {
    expect(checkedToolResult(raw)).toBeNull();
  });
});
