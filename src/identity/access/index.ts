// The access-policy domain's public API: anything exported here becomes public to other domains.
export { globToRegExp, matchesGlob } from './glob.ts';
export {
  type AccessPolicy,
  allBackendsBlocked,
  canUseBackend,
  canUseTool,
  OPEN_POLICY,
  parseAccessPolicy,
  type ToolRule,
  visibleBackends,
} from './policy.ts';
