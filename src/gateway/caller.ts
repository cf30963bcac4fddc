import { type AccessPolicy, type Authenticated, parseAccessPolicy } from '../identity/index.ts';

/** Who an MCP request acts for: the user, the downstream session and every policy that must allow. */
export interface GatewayCaller {
  userId: string;
  email: string;
  /** The API key (or file token) used, if any: its id is audited. */
  keyId: string | null;
  /** The user's policy, then the key's scope when it has one; all must allow. */
  policies: AccessPolicy[];
}

/**
 * The gateway caller for an authenticated request; null when the user's stored access policy does
 * not parse (a hand-edited row), which the gateway treats as "everything blocked" — never as open.
 */
export function gatewayCaller(caller: Authenticated): GatewayCaller | null {
  const { user, apiKey } = caller;
  const own = parseAccessPolicy({
    allowedMcps: user.allowedMcps,
    blockedMcps: user.blockedMcps,
    toolRules: user.toolRules,
  });
  if (own === null) return null;
  return {
    userId: user.id,
    email: user.email,
    keyId: apiKey?.id ?? null,
    policies: apiKey?.scope ? [own, apiKey.scope] : [own],
  };
}

/** True when two callers are the same identity: the same user through the same key (or no key). */
export function isSameIdentity(a: GatewayCaller, b: GatewayCaller): boolean {
  return a.userId === b.userId && a.keyId === b.keyId;
}
