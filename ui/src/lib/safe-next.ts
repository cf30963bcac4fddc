// A path inside the UI: one leading slash (never `//host`), no backslash (browsers read `/\host`
// as `//host`), no whitespace or control characters.
const INSIDE_UI = /^\/(?!\/)[^\s\\]*$/;
// `.` and `..` segments, spelled out or percent-encoded (URL parsers resolve `%2e%2e` as `..`):
// `/..//host` would climb out of /admin.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?#]|$)/i;

/**
 * Where to go after signing in: `next` when it is a path inside the UI (`/users?q=a`), else the
 * start page `/`. Absolute and scheme-relative URLs, `javascript:` and other schemes, backslash
 * and dot-segment tricks, and `/login` itself (a loop) all give `/`; so does null.
 */
export function safeNext(next: string | null): string {
  if (next === null || !INSIDE_UI.test(next) || DOT_SEGMENT.test(next) || next.startsWith('/login'))
    return '/';
  return next;
}
