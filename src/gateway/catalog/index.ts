// The catalog's public API: naming, URI mapping and per-identity aggregation. Anything exported
// here becomes public to other domains.
export { assignNames, type NameAssignment, type NameConflict, type NamedItem } from './assign-names.ts';
export { buildCatalog, singleBackendCatalog } from './catalog.ts';
export {
  DEFAULT_SEPARATOR,
  exposedName,
  isExposedName,
  isPrefixMode,
  isValidSeparator,
  MAX_EXPOSED_NAME_LENGTH,
  NAME_HASH_LENGTH,
  PREFIX_MODES,
  type PrefixMode,
} from './naming.ts';
export {
  exposeResourceTemplate,
  exposeResourceUri,
  RESOURCE_URI_SCHEME,
  type ResourceRef,
  resolveResourceUri,
} from './resource-uri.ts';
export type { Catalog, CatalogBackend, CatalogConflict, CatalogInput, CatalogOptions } from './types.ts';
