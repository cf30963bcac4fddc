/**
 * A copy of a resources/read result whose `contents[].uri` are rewritten by `expose` (to the
 * aggregated `gatehouse:{backend}/…` form); a URI `expose` cannot map is kept as the backend sent it.
 */
export function rewriteResourceUris<T extends { contents?: unknown }>(
  result: T,
  expose: (uri: string) => string | null,
): T {
  if (!Array.isArray(result.contents)) return result;
  const contents = result.contents.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || typeof (item as { uri?: unknown }).uri !== 'string')
      return item;
    const uri = (item as { uri: string }).uri;
    return { ...item, uri: expose(uri) ?? uri };
  });
  return { ...result, contents };
}
