// The gateway domain's public API: backends, the runtime, and downstream MCP serving.
export {
  type BackendsChanged,
  createBackend,
  deleteBackend,
  getBackendConfig,
  listBackendConfigs,
  updateBackend,
} from './backends/manage-backends.ts';
export { type GatewayCaller, gatewayCaller } from './caller.ts';
export { Gateway, type GatewayOptions } from './gateway.ts';
export { observeToolCalls, type ToolCallObserver, type ToolCallRecord } from './tool-audit.ts';
export {
  AUTHENTICATE_USER_TOOL,
  answerAuthenticateUser,
  authenticateUserCall,
} from './serve/authenticate-user-tool.ts';
export { createCallerServer, type ServeScope } from './serve/caller-server.ts';
export type { PlainReply } from './serve/call-reply.ts';
export { answerToolCall, plainModernToolCall, type RequestView } from './serve/fast-tool-call.ts';
export { LegacySessions, SESSION_NOT_FOUND, type SessionsHeld } from './serve/legacy-sessions.ts';
export { type ChangedList, notifyListChanged } from './serve/list-changed.ts';
export { type LegacySseOptions, LegacySseSessions } from './serve/legacy-sse-sessions.ts';
export { openSessions, type SessionTransport } from './serve/session-census.ts';
export { notifySessionLog } from './serve/session-log.ts';
export { LegacySseTransport, SSE_KEEP_ALIVE_MS } from './serve/legacy-sse-transport.ts';
export { type BackendConfig, type BackendStatus, redactBackend } from './upstream/index.ts';
export { type PreviewTool, previewTools } from './preview-tools.ts';
