import { api, path } from '../api/client.ts';
import type { BackendConfig, PreviewTool, ToolRule, UserAccessView } from '../api/types.ts';
import { userPath } from './users.ts';

/** A tool rule as edited: patterns as comma-separated text. */
export interface RuleDraft {
  key: number;
  backend: string;
  allow: string;
  deny: string;
}

let nextKey = 1;

/** A draft of `rule` (or an empty rule for every backend). */
export function draftOf(rule?: ToolRule): RuleDraft {
  return {
    key: nextKey++,
    backend: rule?.backend ?? '*',
    allow: (rule?.allow ?? []).join(', '),
    deny: (rule?.deny ?? []).join(', '),
  };
}

const patterns = (text: string) =>
  text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');

/** The drafts as the API's tool_rules, dropping rules with no pattern at all. */
export function rulesOf(drafts: RuleDraft[]): ToolRule[] {
  return drafts
    .map((d) => ({ backend: d.backend, allow: patterns(d.allow), deny: patterns(d.deny) }))
    .filter((r) => r.allow.length > 0 || r.deny.length > 0);
}

/** The user's access policy and the names of every configured backend. */
export async function loadAccess(username: string): Promise<{ access: UserAccessView; backends: string[] }> {
  const [access, backends] = await Promise.all([
    api<UserAccessView>('GET', path`/users/${username}`),
    api<{ backends: BackendConfig[] }>('GET', '/backends'),
  ]);
  return { access, backends: backends.backends.map((b) => b.name).sort() };
}

/** Saves the user's access policy. */
export function saveAccess(
  username: string,
  policy: { allowed_mcps: string[]; blocked_mcps: string[]; tool_rules: ToolRule[] },
): Promise<UserAccessView> {
  return api<UserAccessView>('PUT', path`/users/${username}/mcp-access`, policy);
}

/** The tools the user would see on /mcp. */
export async function previewTools(email: string): Promise<PreviewTool[]> {
  return (await api<{ tools: PreviewTool[] }>('GET', `${userPath(email)}/tools`)).tools;
}
