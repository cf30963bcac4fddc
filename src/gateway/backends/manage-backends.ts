import { AppError } from '../../errors/index.ts';
import type { IdentityContext, RequestContext } from '../../identity/index.ts';
import { type BackendConfig, parseBackendConfig, SECRET_MASK } from '../upstream/index.ts';

/** Where backend changes go once stored: the running gateway applies them without a restart. */
export type BackendsChanged = () => void;

function invalid(errors: string[]): AppError {
  const details = errors.map((line) => {
    const split = line.indexOf(': ');
    return split === -1
      ? { field: 'backend', message: line }
      : { field: line.slice(0, split), message: line.slice(split + 2) };
  });
  return new AppError('validation_failed', { details: { details } });
}

function validated(input: unknown): BackendConfig {
  const result = parseBackendConfig(input);
  if (!result.ok) throw invalid(result.errors);
  return result.config;
}

/** Keeps a stored secret where the client sent back the mask it was shown. */
function keepMasked(sent: unknown, stored: Readonly<Record<string, string>> | undefined): unknown {
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent) || !stored) return sent;
  return Object.fromEntries(
    Object.entries(sent).map(([key, value]) => [
      key,
      value === SECRET_MASK && key in stored ? stored[key] : value,
    ]),
  );
}

/** Every stored backend that still validates; one that does not is logged and left out. */
export async function listBackendConfigs(ctx: IdentityContext): Promise<BackendConfig[]> {
  const configs: BackendConfig[] = [];
  for (const record of await ctx.store.backends.list()) {
    const result = parseBackendConfig(record.config);
    if (result.ok) configs.push(result.config);
    else
      ctx.logger.error({ backend: record.name, errors: result.errors }, 'stored backend is invalid; skipped');
  }
  return configs;
}

/** The backend named `name`; throws not_found. */
export async function getBackendConfig(ctx: IdentityContext, name: string): Promise<BackendConfig> {
  const record = await ctx.store.backends.find(name);
  const result = record ? parseBackendConfig(record.config) : null;
  if (!result?.ok) throw new AppError('not_found', { message: 'Backend not found' });
  return result.config;
}

/** Adds a backend after validating it; throws validation_failed or backend_exists. */
export async function createBackend(
  ctx: IdentityContext,
  input: unknown,
  context: RequestContext,
  changed: BackendsChanged,
): Promise<BackendConfig> {
  const config = validated(input);
  if (!(await ctx.store.backends.create(config.name, config, ctx.now())))
    throw new AppError('backend_exists');
  await ctx.audit.record(
    { type: 'backend_created', success: true, details: { backend: config.name } },
    context,
  );
  changed();
  return config;
}

/**
 * Changes a backend: `patch` replaces top-level fields; an env or header value sent back as the
 * mask `********` keeps the stored secret. The name cannot change. Throws not_found or
 * validation_failed.
 */
export async function updateBackend(
  ctx: IdentityContext,
  name: string,
  patch: Record<string, unknown>,
  context: RequestContext,
  changed: BackendsChanged,
): Promise<BackendConfig> {
  const current = await getBackendConfig(ctx, name);
  if (patch.name !== undefined && patch.name !== name) throw invalid(['name: cannot be changed']);
  const merged: Record<string, unknown> = { ...current, ...patch, name };
  if ('env' in current) merged.env = keepMasked(merged.env, current.env);
  if ('headers' in current) merged.headers = keepMasked(merged.headers, current.headers);
  const config = validated(merged);
  if (!(await ctx.store.backends.update(name, config, ctx.now())))
    throw new AppError('not_found', { message: 'Backend not found' });
  await ctx.audit.record(
    { type: 'backend_updated', success: true, details: { backend: name, changed: Object.keys(patch) } },
    context,
  );
  changed();
  return config;
}

/** Removes a backend; its connections close. Throws not_found. */
export async function deleteBackend(
  ctx: IdentityContext,
  name: string,
  context: RequestContext,
  changed: BackendsChanged,
): Promise<void> {
  if (!(await ctx.store.backends.delete(name)))
    throw new AppError('not_found', { message: 'Backend not found' });
  await ctx.audit.record({ type: 'backend_deleted', success: true, details: { backend: name } }, context);
  changed();
}

const SYSTEM: RequestContext = { actorEmail: 'system:config' };

/**
 * Writes the backends of the configuration (GATEWAY_BACKENDS) to the database at start: a missing
 * one is added, a different one is replaced (the configuration wins), an equal one is left alone.
 * Backends added through the API are kept. Returns the names written.
 */
export async function applyConfiguredBackends(
  ctx: IdentityContext,
  configs: readonly BackendConfig[],
): Promise<string[]> {
  const written: string[] = [];
  for (const config of configs) {
    const stored = await ctx.store.backends.find(config.name);
    if (stored && JSON.stringify(stored.config) === JSON.stringify(config)) continue;
    const now = ctx.now();
    const saved = stored
      ? await ctx.store.backends.update(config.name, config, now)
      : await ctx.store.backends.create(config.name, config, now);
    if (!saved) continue; // another replica wrote it first
    written.push(config.name);
    await ctx.audit.record(
      {
        type: stored ? 'backend_updated' : 'backend_created',
        success: true,
        details: { backend: config.name },
      },
      SYSTEM,
    );
  }
  return written;
}
