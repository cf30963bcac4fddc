/** How many compiled patterns are kept; the least recently used is dropped beyond this. */
export const GLOB_CACHE_LIMIT = 1000;

/**
 * The longest pattern accepted, counted after each run of `*` is collapsed into one. Policies
 * hold patterns of at most 128 characters; each `*` costs the compiled RegExp one capture
 * group, and V8 overflows its stack compiling a few thousand of them.
 */
export const GLOB_MAX_LENGTH = 1024;

const cache = new Map<string, RegExp>();

/** A run of glob text without `*`: `?` becomes one code point, everything else is literal. */
function segmentSource(segment: string): string {
  return segment.replace(/[\\^$.*+?()[\]{}|/]/g, (c) => (c === '?' ? '.' : `\\${c}`));
}

function compile(pattern: string): RegExp {
  const segments = pattern.split(/\*+/);
  const collapsedLength = segments.reduce((sum, s) => sum + s.length, segments.length - 1);
  if (collapsedLength > GLOB_MAX_LENGTH) {
    throw new TypeError(`glob pattern must be at most ${GLOB_MAX_LENGTH} characters`);
  }
  const first = segmentSource(segments[0] ?? '');
  if (segments.length === 1) return new RegExp(`^${first}$`, 'su');
  let source = `^${first}`;
  // A plain `.*` per star backtracks in O(n^stars) on a near miss. Every middle segment has a
  // fixed length, so its earliest occurrence is always the right one to take: the lookahead
  // finds it, and the backreference consumes it atomically, as JavaScript has no atomic groups.
  for (let i = 1; i < segments.length - 1; i += 1) {
    source += `(?=(.*?${segmentSource(segments[i] ?? '')}))\\${i}`;
  }
  source += `.*${segmentSource(segments.at(-1) ?? '')}$`;
  return new RegExp(source, 'su');
}

/** The private, shared RegExp for a pattern; see globToRegExp. */
function cached(pattern: string): RegExp {
  if (typeof pattern !== 'string') throw new TypeError('glob pattern must be a string');
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const regExp = compile(pattern);
  if (cache.size >= GLOB_CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(pattern, regExp);
  return regExp;
}

/**
 * The anchored, case-sensitive RegExp for a glob: `*` matches any run of characters (none
 * included), `?` exactly one character (a Unicode code point), and every other character
 * itself. Matching takes time linear in the text for each character of the pattern. The
 * translation is cached per pattern, but each call returns a new RegExp, because
 * RegExp.prototype.compile rewrites even a frozen one. Throws TypeError for a non-string or a
 * pattern longer than GLOB_MAX_LENGTH once runs of `*` are collapsed.
 */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(cached(pattern));
}

/**
 * True when the whole of `text` matches the glob `pattern` (see globToRegExp); false when it
 * does not or `text` is not a string. Throws TypeError for a pattern globToRegExp refuses.
 */
export function matchesGlob(pattern: string, text: string): boolean {
  const regExp = cached(pattern);
  return typeof text === 'string' && regExp.test(text);
}

/** True when the pattern's RegExp is in the cache; for tests of the cache's bound. */
export function isGlobCached(pattern: string): boolean {
  return cache.has(pattern);
}
