import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { MailOutboxRepository } from '../store/index.ts';
import { singleAddress } from './address.ts';
import type { MailMessage } from './templates.ts';
import type { MailTransport } from './transport.ts';

/** Queues mail durably and delivers it in the background. */
export interface Mailer {
  /**
   * Stores a message for delivery to one recipient. Returns false, storing nothing, when `to` is
   * not one valid address or mail is disabled; never sends inline. Rejects only on database errors.
   */
  enqueue(kind: string, to: string, message: MailMessage): Promise<boolean>;
  /**
   * Sends up to a batch of due messages; failures are recorded for a later attempt, not thrown.
   * Stops early once half the lease has passed, leaving the rest for when their lease ends.
   */
  deliverDue(): Promise<{ sent: number; failed: number }>;
  /** Runs deliverDue every poll interval until stop(); throws TypeError when already started. */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** What createMailer needs; `transport` null means SMTP_ENABLED=false. */
export interface MailerOptions {
  outbox: MailOutboxRepository;
  transport: MailTransport | null;
  from: { name: string; email: string };
  logger: FastifyBaseLogger;
  now?: () => Date;
  pollIntervalMs?: number;
  leaseMs?: number;
  batchSize?: number;
  /** Delay in ms before the next attempt, given the failed attempts so far (this one included). */
  backoff?: (attempts: number) => number;
}

const MAX_BACKOFF_MS = 15 * 60 * 1000;

/**
 * The delay in ms before the next attempt after `attempts` failures (the first failure waits about
 * 10 s): min(5 s × 2^attempts, 15 min) with ±20% jitter, so replicas do not retry in step. A
 * negative or fractional count is read as its whole part, no less than 0.
 */
export function defaultBackoff(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(5000 * 2 ** Math.max(0, Math.trunc(attempts) || 0), MAX_BACKOFF_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The From header `"Name" <email>`, the name stripped of quotes, backslashes and control
 * characters (just the address when nothing is left). Throws TypeError for an invalid address.
 */
export function formatFrom(from: { name: string; email: string }): string {
  const email = singleAddress(from.email);
  if (email === null) throw new TypeError('mail sender address is not one valid address');
  const name = String(from.name ?? '')
    .replace(/["\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return name === '' ? email : `"${name}" <${email}>`;
}

// Only the error's code (or the first line of its message): never the body, a link or a password.
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const { code, originalCode, responseCode } = error as Error & {
    code?: unknown;
    originalCode?: unknown;
    responseCode?: unknown;
  };
  if (typeof code === 'string') return [code, originalCode, responseCode].filter(Boolean).join(' ');
  return (error.message.split('\n')[0] ?? '').slice(0, 200) || error.name;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result <= 0) throw new TypeError(`createMailer: ${name} must be > 0`);
  return result;
}

/** A mailer over the outbox; throws TypeError for a bad sender address or non-positive option. */
export function createMailer(options: MailerOptions): Mailer {
  const { outbox, transport, logger } = options;
  const from = formatFrom(options.from);
  const now = options.now ?? (() => new Date());
  const pollIntervalMs = positiveInteger(options.pollIntervalMs, 2000, 'pollIntervalMs');
  const leaseMs = positiveInteger(options.leaseMs, 60_000, 'leaseMs');
  const batchSize = positiveInteger(options.batchSize, 20, 'batchSize');
  const backoff = options.backoff ?? defaultBackoff;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let started = false;

  async function deliverDue(): Promise<{ sent: number; failed: number }> {
    if (transport === null) return { sent: 0, failed: 0 };
    const claimedAt = now().getTime();
    const due = await outbox.claimDue(new Date(claimedAt), batchSize, leaseMs);
    let sent = 0;
    let failed = 0;
    for (const message of due) {
      // Past half the lease, another worker may soon claim the rest: leave them to be sent once.
      if (now().getTime() - claimedAt > leaseMs / 2) break;
      let error: string | null = null;
      // Rows written by anything but enqueue() are checked again before they reach the envelope.
      if (singleAddress(message.to) !== message.to) error = 'invalid recipient';
      else {
        try {
          const { to, subject, text, html } = message;
          await transport.send({ from, to, subject, text, html });
        } catch (sendError) {
          error = describeError(sendError);
        }
      }
      if (error === null) {
        await outbox.markSent(message.id, now());
        sent += 1;
        continue;
      }
      const attempts = message.attempts + 1;
      await outbox.markFailed(message.id, error, new Date(now().getTime() + backoff(attempts)));
      logger.warn(
        { mail_id: message.id, mail_kind: message.kind, attempts, error },
        'mail delivery failed; will retry',
      );
      failed += 1;
    }
    return { sent, failed };
  }

  function schedule(): void {
    timer = setTimeout(() => {
      timer = undefined;
      running = deliverDue()
        .then(
          () => undefined,
          (error: unknown) => logger.error({ error: describeError(error) }, 'mail delivery run failed'),
        )
        .finally(() => {
          running = undefined;
          if (started) schedule();
        });
    }, pollIntervalMs);
    timer.unref();
  }

  return {
    async enqueue(kind, to, message) {
      if (typeof kind !== 'string' || kind === '')
        throw new TypeError('enqueue: kind must be a non-empty string');
      if ([message?.subject, message?.text, message?.html].some((part) => typeof part !== 'string')) {
        throw new TypeError('enqueue: subject, text and html must be strings');
      }
      const address = singleAddress(to);
      if (address === null) {
        logger.warn({ mail_kind: kind, mail_invalid_recipient: true }, 'mail not queued: bad recipient');
        return false;
      }
      if (transport === null) {
        logger.info({ mail_kind: kind, mail_disabled: true }, 'mail not queued: SMTP is disabled');
        return false;
      }
      const id = randomUUID();
      const { subject, text, html } = message;
      await outbox.enqueue({ id, kind, to: address, subject, text, html }, now());
      logger.debug({ mail_id: id, mail_kind: kind }, 'mail queued');
      return true;
    },
    deliverDue,
    start() {
      if (started) throw new TypeError('mailer already started');
      started = true;
      schedule();
    },
    async stop() {
      started = false;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
