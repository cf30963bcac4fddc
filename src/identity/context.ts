import type { FastifyBaseLogger } from 'fastify';
import type { Settings } from '../config/index.ts';
import type { Store, UserRecord } from '../store/index.ts';
import { type Auditor, createAuditor, type RequestContext } from './audit.ts';
import { type BackgroundWork, createBackgroundWork } from './background.ts';
import { deriveSessionKey } from './auth/csrf.ts';
import { resolveJwtSecret } from './jwt-secret.ts';
import { createFileTokenRegistry, type FileTokenRegistry } from './files/file-token-registry.ts';
import { createKeyCache, type KeyCache } from './keys/key-cache.ts';
import { createKeyUsage, type KeyUsage } from './keys/key-usage.ts';
import { type AccountNotifier, SILENT_NOTIFIER } from './recovery/notifier.ts';
import {
  createPasswordHasher,
  createPasswordPolicy,
  type PasswordHasher,
  type PasswordPolicy,
} from './passwords/index.ts';
import { createMemoryRateLimitStore, type RateLimitStore } from './rate-limit/index.ts';
import { createTokenSigner, type TokenSigner } from './tokens/index.ts';

/** Called when a failed login locks an account (the password-recovery domain sends the e-mail). */
export type AccountLockedListener = (user: UserRecord, context: RequestContext) => void;

/** Everything the identity operations share: settings, storage, primitives and the clock. */
export interface IdentityContext {
  readonly settings: Settings;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly signer: TokenSigner;
  /** Failed-authentication counters per client IP. */
  readonly rateLimit: RateLimitStore;
  readonly audit: Auditor;
  readonly logger: FastifyBaseLogger;
  readonly now: () => Date;
  readonly accountLockedListeners: AccountLockedListener[];
  /** Tells account owners about resets and lockouts (e-mail). */
  readonly notifier: AccountNotifier;
  /** Work done after the response is decided (reset requests, notifications). */
  readonly background: BackgroundWork;
  /** Verified API keys, by hash. */
  readonly keyCache: KeyCache;
  /** Batched last-used times of API keys. */
  readonly keyUsage: KeyUsage;
  /** Development mode (`serve --no-auth`): every request acts as the platform admin. */
  readonly authDisabled: boolean;
  /** Key of browser-session CSRF tokens (derived from the JWT secret). */
  readonly sessionKey: string;
  /** The tokens of AUTH_TOKEN_FILE (empty without one). */
  readonly fileTokens: FileTokenRegistry;
}

/** The Argon2id hasher the settings describe (parameters and concurrency). */
export function passwordHasherFor(settings: Settings): PasswordHasher {
  return createPasswordHasher({
    memoryCost: settings.argon2idMemoryCost,
    timeCost: settings.argon2idTimeCost,
    parallelism: settings.argon2idParallelism,
    maxConcurrent: settings.passwordHashConcurrency,
    queueTimeoutMs: settings.passwordHashQueueTimeoutMs,
  });
}

/** The password policy the settings describe. */
export function passwordPolicyFor(settings: Settings): PasswordPolicy {
  return createPasswordPolicy({
    minLength: settings.passwordMinLength,
    maxLength: settings.passwordMaxLength,
    requireUppercase: settings.passwordRequireUppercase,
    requireLowercase: settings.passwordRequireLowercase,
    requireNumbers: settings.passwordRequireNumbers,
    requireSpecial: settings.passwordRequireSpecial,
  });
}

/**
 * Builds the identity context from settings. Resolves the JWT key (generating and storing one if
 * JWT_SECRET_KEY is unset), so the store must be migrated first.
 */
export async function createIdentityContext(
  settings: Settings,
  store: Store,
  logger: FastifyBaseLogger,
  options: {
    now?: () => Date;
    rateLimit?: RateLimitStore;
    notifier?: AccountNotifier;
    authDisabled?: boolean;
    /** Wraps the key cache, e.g. so its evictions reach other replicas (REDIS_URL). */
    shareKeyCache?: (local: KeyCache) => KeyCache;
  } = {},
): Promise<IdentityContext> {
  const now = options.now ?? (() => new Date());
  const shareKeyCache = options.shareKeyCache ?? ((local: KeyCache) => local);
  const secret = await resolveJwtSecret(settings.jwtSecretKey, store);
  return {
    settings,
    store,
    hasher: passwordHasherFor(settings),
    policy: passwordPolicyFor(settings),
    signer: createTokenSigner({
      secret,
      issuer: settings.jwtIssuer,
      audience: settings.jwtAudience,
      defaultTtlSeconds: settings.tokenExpiryMinutes * 60,
      now: () => now().getTime(),
    }),
    rateLimit: options.rateLimit ?? createMemoryRateLimitStore({ now: () => now().getTime() }),
    audit: createAuditor(store, logger),
    logger,
    now,
    accountLockedListeners: [],
    notifier: options.notifier ?? SILENT_NOTIFIER,
    authDisabled: options.authDisabled ?? false,
    sessionKey: deriveSessionKey(secret),
    fileTokens: createFileTokenRegistry(),
    keyCache: shareKeyCache(
      createKeyCache({ ttlMs: settings.apiKeyCacheTtlSeconds * 1000, maxEntries: 10_000 }),
    ),
    keyUsage: createKeyUsage(store.apiTokens, 30_000, (error) =>
      logger.warn({ err: { message: (error as Error).message } }, 'could not record API key use'),
    ),
    background: createBackgroundWork((error) =>
      logger.error({ err: { message: (error as Error).message } }, 'background identity task failed'),
    ),
  };
}
