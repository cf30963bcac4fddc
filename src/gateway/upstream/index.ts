export {
  type BackendConfig,
  type BackendConfigInput,
  type BackendConfigResult,
  backendConfigSchema,
  parseBackendConfig,
} from './backend-config.ts';
export {
  BackendConnection,
  type BackendConnectionOptions,
  type CallOptions,
  type ConnectionState,
} from './backend-connection.ts';
export { BackendError, type BackendErrorCode } from './backend-error.ts';
export {
  type BackendChanges,
  type BackendLogListener,
  BackendPool,
  type BackendPoolOptions,
} from './backend-pool.ts';
export type { IsolationKey, Slot } from './isolation.ts';
export type { ListKind } from './open-session.ts';
export type { BackendStatus } from './pool-status.ts';
export { redactBackend, SECRET_MASK } from './redact-backend.ts';
export { DEFAULT_RESTART_POLICY, restartDelay, type RestartPolicy } from './restart-backoff.ts';
export {
  SERVER_REQUEST_CAPABILITIES,
  type ServerRequestContext,
  type ServerRequestHandler,
  type ServerRequestMethod,
} from './server-requests.ts';
