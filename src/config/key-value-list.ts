// An HTTP token (RFC 9110 §5.6.2): what a header name may be, and all a resource attribute key needs.
const KEY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// CR and LF in a header value would split the request; no control character belongs in either.
const hasControl = (value: string): boolean =>
  [...value].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

/**
 * Parses the OpenTelemetry list format of OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS:
 * `key1=value1,key2=value2`, each value percent-decoded, blanks around entries ignored. Returns
 * the pairs (a later key wins), or null when any entry has no `=`, a key that is not an HTTP
 * token, a malformed percent-escape or a control character.
 */
export function parseKeyValueList(text: string): Record<string, string> | null {
  const pairs: [string, string][] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const at = entry.indexOf('=');
    if (at <= 0) return null;
    const key = entry.slice(0, at).trim();
    if (!KEY.test(key)) return null;
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      return null;
    }
    if (hasControl(value)) return null;
    pairs.push([key, value]);
  }
  return Object.fromEntries(pairs);
}
