import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/index.ts';

/** Who did something, and from where. */
export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
  /** The acting user (an admin, for admin actions). */
  actorEmail?: string | null;
}

/** One security event, for `auth_events` and the log. */
export interface SecurityEvent {
  type: string;
  success: boolean;
  userId?: string | null;
  userEmail?: string | null;
  /** Internal detail (such as why a login failed); stored and logged, never sent to clients. */
  details?: Record<string, unknown>;
}

/** Sees each security event as it is recorded (metrics). Must not throw, nor keep the event. */
export type SecurityEventObserver = (event: SecurityEvent, context: RequestContext) => void;

/** Writes security events to the audit table and the log. */
export interface Auditor {
  record(event: SecurityEvent, context?: RequestContext): Promise<void>;
  /** Calls `observer` with every event recorded from now on; returns the function that stops it. */
  observe(observer: SecurityEventObserver): () => void;
}

/**
 * An auditor over the store. Each event becomes an `auth_events` row and a log line carrying
 * `security_event`. Callers must never put passwords, tokens or hashes in `details`.
 */
export function createAuditor(store: Store, logger: FastifyBaseLogger): Auditor {
  const observers = new Set<SecurityEventObserver>();
  return {
    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    async record(event, context = {}) {
      // Before the write, so an event still counts when the database is down.
      for (const observer of observers) observer(event, context);
      const details = context.actorEmail ? { ...event.details, actor: context.actorEmail } : event.details;
      await store.authEvents.append({
        eventType: event.type,
        success: event.success,
        userId: event.userId ?? null,
        userEmail: event.userEmail ?? null,
        ip: context.ip ?? null,
        userAgent: context.userAgent ?? null,
        details: details ?? null,
      });
      const line = {
        security_event: event.type,
        success: event.success,
        user_email: event.userEmail ?? undefined,
        ip: context.ip ?? undefined,
        ...details,
      };
      if (event.success) logger.info(line, event.type);
      else logger.warn(line, event.type);
    },
  };
}
