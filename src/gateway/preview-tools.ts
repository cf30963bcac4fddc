import { AppError } from '../errors/index.ts';
import type { UserRecord } from '../store/index.ts';
import type { Gateway } from './gateway.ts';

/** One tool a user would see on /mcp: its exposed name and where it comes from. */
export interface PreviewTool {
  name: string;
  backend: string;
  tool: string;
}

/**
 * The tools `user` would see on /mcp right now (their access policy applied to the reachable
 * backends), for an admin choosing that policy. Empty when every backend is blocked.
 */
export async function previewTools(gateway: Gateway, user: UserRecord): Promise<PreviewTool[]> {
  let caller;
  try {
    caller = gateway.callerFor({ user, token: null, apiKey: null, bootstrapAdmin: false });
  } catch (error) {
    if (error instanceof AppError && error.code === 'access_denied') return [];
    throw error;
  }
  const catalog = await gateway.catalogFor(caller, null);
  return catalog.tools.flatMap((tool) => {
    const source = catalog.resolveTool(tool.name);
    return source === null ? [] : [{ name: tool.name, backend: source.backend, tool: source.name }];
  });
}
