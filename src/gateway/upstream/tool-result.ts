import type { CallToolResult } from '@modelcontextprotocol/client';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The string fields each content block type must carry (MCP 2025-11-25 ContentBlock). */
const CONTENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  text: ['text'],
  image: ['data', 'mimeType'],
  audio: ['data', 'mimeType'],
  resource_link: ['uri', 'name'],
  resource: [],
};

/** Keys of other result families: a result carrying one must also carry `content` (as the SDK rules). */
const FOREIGN_KEYS = ['task', 'inputRequests', 'requestState'];

function isContentBlock(block: unknown): boolean {
  if (!isPlainObject(block) || typeof block.type !== 'string') return false;
  const fields = CONTENT_FIELDS[block.type];
  if (fields === undefined) return false;
  if (block.type === 'resource')
    return isPlainObject(block.resource) && typeof block.resource.uri === 'string';
  return fields.every((field) => typeof block[field] === 'string');
}

/**
 * A backend's raw tools/call result as the SDK client would hand it over, checked by hand rather
 * than by schema (this runs on every forwarded call): `resultType` dropped, a missing `content`
 * defaulted to [], and the shape checked (content blocks of the five types with their required
 * fields, a boolean `isError`, object `structuredContent` and `_meta`). Null when it is not a valid
 * tool result; other fields pass through as sent.
 */
export function checkedToolResult(raw: unknown): CallToolResult | null {
  if (!isPlainObject(raw)) return null;
  const { resultType: _dropped, ...result } = raw;
  if (result.content === undefined) {
    if (FOREIGN_KEYS.some((key) => key in result)) return null;
    result.content = [];
  }
  if (!Array.isArray(result.content) || !result.content.every(isContentBlock)) return null;
  if (result.isError !== undefined && typeof result.isError !== 'boolean') return null;
  if (result.structuredContent !== undefined && !isPlainObject(result.structuredContent)) return null;
  if (result._meta !== undefined && !isPlainObject(result._meta)) return null;
  return result as CallToolResult;
}
