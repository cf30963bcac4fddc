import type { BackendConfig } from './backend-config.ts';

/** Who a connection is for: the gateway passes the caller's user and downstream session. */
export interface IsolationKey {
  userId?: string | null | undefined;
  sessionId?: string | null | undefined;
}

/** Where one connection of a backend belongs: one per backend, per user, or per downstream session. */
export interface Slot {
  backend: string;
  isolation: BackendConfig['isolation'];
  /** The user or session id for per-user and per-session slots; null for shared ones. */
  owner: string | null;
  /** Unique across the pool. */
  key: string;
}

/**
 * The slot that serves `key` for `config`. A per-user backend without a userId, or a per-session one
 * without a sessionId, is a caller's mistake: TypeError.
 */
export function slotFor(config: BackendConfig, key: IsolationKey): Slot {
  const backend = config.name;
  switch (config.isolation) {
    case 'shared':
      return { backend, isolation: 'shared', owner: null, key: `${backend}\0shared` };
    case 'per-user':
      if (!key.userId) throw new TypeError(`backend "${backend}" is isolated per user: pass a userId`);
      return { backend, isolation: 'per-user', owner: key.userId, key: `${backend}\0user\0${key.userId}` };
    case 'per-session':
      if (!key.sessionId) {
        throw new TypeError(`backend "${backend}" is isolated per session: pass a sessionId`);
      }
      return {
        backend,
        isolation: 'per-session',
        owner: key.sessionId,
        key: `${backend}\0session\0${key.sessionId}`,
      };
  }
}
