import { hasControlCharacter } from '../canonical.ts';
import { matchesGlob } from './glob.ts';

/** Tool patterns for one backend, or for every backend when `backend` is `'*'`. */
export interface ToolRule {
  /** A backend name, or `'*'` for every backend. */
  backend: string;
  /** Glob patterns over tool names; when any applying rule has some, a tool must match one. */
  allow?: string[];
  /** Glob patterns over tool names; a match in any applying rule refuses the tool. */
  deny?: string[];
}

/** Which backend MCPs, and which of their tools, one user or one API key scope may use. */
export interface AccessPolicy {
  /** The backends allowed; empty allows every backend. */
  allowedMcps: string[];
  /** The backends refused, even when also allowed. */
  blockedMcps: string[];
  toolRules: ToolRule[];
}

/** The policy that allows every backend and every tool; deeply frozen. */
export const OPEN_POLICY: AccessPolicy = Object.freeze({
  allowedMcps: Object.freeze([]) as unknown as string[],
  blockedMcps: Object.freeze([]) as unknown as string[],
  toolRules: Object.freeze([]) as unknown as ToolRule[],
});

const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_PATTERN_LENGTH = 128;
const MAX_ENTRIES = 1000;
// Far beyond the 128 characters MCP asks of tool names, yet it bounds the work of matching a
// name a client made up against every pattern.
const MAX_TOOL_NAME_LENGTH = 1024;

function requirePolicies(policies: readonly AccessPolicy[]): void {
  if (!Array.isArray(policies) || policies.length === 0) {
    throw new TypeError('policies must be a non-empty array: pass [OPEN_POLICY] to allow everything');
  }
  for (const p of policies) {
    if (
      typeof p !== 'object' ||
      p === null ||
      !Array.isArray(p.allowedMcps) ||
      !Array.isArray(p.blockedMcps) ||
      !Array.isArray(p.toolRules)
    ) {
      throw new TypeError('each policy must be an AccessPolicy');
    }
  }
}

function allowsBackend(policy: AccessPolicy, backend: string): boolean {
  const allowed = policy.allowedMcps.length === 0 || policy.allowedMcps.includes(backend);
  return allowed && !policy.blockedMcps.includes(backend);
}

function allowsTool(policy: AccessPolicy, backend: string, tool: string): boolean {
  const rules = policy.toolRules.filter((r) => r.backend === backend || r.backend === '*');
  if (rules.some((r) => (r.deny ?? []).some((p) => matchesGlob(p, tool)))) return false;
  const allow = rules.flatMap((r) => r.allow ?? []);
  return allow.length === 0 || allow.some((p) => matchesGlob(p, tool));
}

/**
 * True when every policy allows the backend: the user's policy and then any key scope, each of
 * which can only narrow. One policy allows it when its `allowedMcps` is empty or names it and
 * its `blockedMcps` does not. False for a backend that is not a string or not a valid backend
 * name. Throws TypeError for an empty list or an element that is not an AccessPolicy.
 */
export function canUseBackend(policies: readonly AccessPolicy[], backend: string): boolean {
  requirePolicies(policies);
  if (typeof backend !== 'string' || !BACKEND_NAME.test(backend)) return false;
  return policies.every((p) => allowsBackend(p, backend));
}

/**
 * True when the backend is usable and every policy allows the tool on it. Within one policy the
 * rules for that backend and for `'*'` apply: a `deny` match anywhere refuses; otherwise, when
 * any of them lists `allow` patterns, the tool must match one. False for a tool name that is
 * not a string, is empty or is over 1024 characters, and whenever canUseBackend is false.
 * Throws TypeError as canUseBackend does, or for a pattern globToRegExp refuses.
 */
export function canUseTool(policies: readonly AccessPolicy[], backend: string, tool: string): boolean {
  if (!canUseBackend(policies, backend)) return false;
  if (typeof tool !== 'string' || tool.length === 0 || tool.length > MAX_TOOL_NAME_LENGTH) return false;
  return policies.every((p) => allowsTool(p, backend, tool));
}

/**
 * The backends of `all` that canUseBackend allows, in their order. Throws TypeError when `all`
 * is not an array, or as canUseBackend does.
 */
export function visibleBackends(policies: readonly AccessPolicy[], all: readonly string[]): string[] {
  if (!Array.isArray(all)) throw new TypeError('all must be an array of backend names');
  requirePolicies(policies);
  return all.filter((backend) => canUseBackend(policies, backend));
}

/**
 * True when there are backends and the policies allow none of them, so the gateway can refuse
 * the identity outright; false for an empty `all`. Throws TypeError as visibleBackends does.
 */
export function allBackendsBlocked(policies: readonly AccessPolicy[], all: readonly string[]): boolean {
  return visibleBackends(policies, all).length === 0 && all.length > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The strings of `value` when it is an array of at most 1000 that `valid` accepts, else null. */
function stringList(value: unknown, valid: (s: string) => boolean): string[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_ENTRIES) return null;
  const list: string[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string' || !valid(entry)) return null;
    list.push(entry);
  }
  return list;
}

/** The own value of `key`, so an inherited (prototype-polluted) property is never read. */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function hasOnlyKeys(object: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(object).every((k) => keys.includes(k));
}

const isBackendName = (s: string): boolean => BACKEND_NAME.test(s);
// No tool name holds a control character, and PostgreSQL cannot even store NUL in a policy.
const isPattern = (s: string): boolean =>
  s.length > 0 && s.length <= MAX_PATTERN_LENGTH && !hasControlCharacter(s);

function parseToolRule(raw: unknown): ToolRule | null {
  if (!isPlainObject(raw) || !hasOnlyKeys(raw, ['backend', 'allow', 'deny'])) return null;
  const backend = own(raw, 'backend');
  if (typeof backend !== 'string' || (backend !== '*' && !isBackendName(backend))) return null;
  const allow = stringList(own(raw, 'allow'), isPattern);
  const deny = stringList(own(raw, 'deny'), isPattern);
  if (allow === null || deny === null) return null;
  return { backend, allow, deny };
}

/**
 * The AccessPolicy in untrusted JSON-shaped input (admin API, YAML, a database column), as a
 * fresh object; missing fields become empty lists, and a rule's missing `allow` or `deny` an
 * empty list. Null for anything else: a non-plain object, an unknown key (a misspelt
 * `blockedMcps` must not silently allow everything), a list that is not an array of at most
 * 1000 entries, a backend name outside `[A-Za-z0-9][A-Za-z0-9._-]{0,127}` (`'*'` only as a
 * rule's backend), or a pattern that is not a string of 1 to 128 characters without control
 * characters.
 */
export function parseAccessPolicy(raw: unknown): AccessPolicy | null {
  if (!isPlainObject(raw) || !hasOnlyKeys(raw, ['allowedMcps', 'blockedMcps', 'toolRules'])) return null;
  const allowedMcps = stringList(own(raw, 'allowedMcps'), isBackendName);
  const blockedMcps = stringList(own(raw, 'blockedMcps'), isBackendName);
  const rawRules = own(raw, 'toolRules');
  if (allowedMcps === null || blockedMcps === null) return null;
  if (rawRules === undefined) return { allowedMcps, blockedMcps, toolRules: [] };
  if (!Array.isArray(rawRules) || rawRules.length > MAX_ENTRIES) return null;
  const toolRules: ToolRule[] = [];
  for (const rawRule of rawRules) {
    const rule = parseToolRule(rawRule);
    if (rule === null) return null;
    toolRules.push(rule);
  }
  return { allowedMcps, blockedMcps, toolRules };
}
