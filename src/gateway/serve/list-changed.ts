import type { Server } from '@modelcontextprotocol/server';

/** Which list of a backend changed. */
export type ChangedList = 'tools' | 'resources' | 'prompts';

/**
 * Tells the downstream sessions that can see `backend` that one of its lists changed: every
 * aggregate session, and the sessions of that backend's own endpoint. Send failures (a closing
 * session) are ignored.
 */
export function notifyListChanged(
  sessions: Iterable<{ server: Server; scope: { backend?: string } }>,
  backend: string,
  kind: ChangedList,
): void {
  for (const session of sessions) {
    if (session.scope.backend !== undefined && session.scope.backend !== backend) continue;
    const send =
      kind === 'tools'
        ? session.server.sendToolListChanged()
        : kind === 'prompts'
          ? session.server.sendPromptListChanged()
          : session.server.sendResourceListChanged();
    void send.catch(() => undefined);
  }
}
