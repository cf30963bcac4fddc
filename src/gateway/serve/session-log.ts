import type { LoggingMessageNotificationParams, Server } from '@modelcontextprotocol/server';
import { canUseBackend } from '../../identity/index.ts';
import type { Slot } from '../upstream/index.ts';
import type { ServeScope } from './caller-server.ts';
import { fromBackend, passesLevel } from './downstream-call.ts';

/**
 * Sends a log message that an isolated backend connection sent while none of its calls ran to the
 * sessions that connection serves: the session that owns a per-session connection, or every session
 * of the user that owns a per-user one, when the session can see that backend and wants that level.
 * Send failures (a closing session) are ignored.
 */
export function notifySessionLog(
  sessions: Iterable<{ server: Server; scope: ServeScope }>,
  slot: Slot,
  params: LoggingMessageNotificationParams,
): void {
  if (slot.isolation === 'shared') return;
  for (const { server, scope } of sessions) {
    if (scope.backend !== undefined && scope.backend !== slot.backend) continue;
    const owner = slot.isolation === 'per-session' ? scope.sessionId : scope.caller.userId;
    if (owner !== slot.owner || !canUseBackend(scope.caller.policies, slot.backend)) continue;
    if (!passesLevel(params.level, scope.logLevel)) continue;
    const message = fromBackend(params, slot.backend, scope.backend === undefined);
    void server.sendLoggingMessage(message).catch(() => undefined);
  }
}
