import { readFile } from 'node:fs/promises';
import type { RequestContext } from '../audit.ts';
import type { IdentityContext } from '../context.ts';
import { sha256Hex } from '../secrets.ts';
import { AuthFileError } from './auth-file-error.ts';
import { findUserByIdentifier } from '../users/find-user.ts';
import { syncFileUsers } from './sync-file-users.ts';
import { parseTokenFile } from './token-file.ts';
import { parseUserFile } from './user-file.ts';
import { type FileWatch, watchFile } from './watch-file.ts';

/** The watched token and user files of a running server; `stop()` ends the watching. */
export interface AuthFiles {
  stop(): void;
}

const SYSTEM: RequestContext = { actorEmail: 'system:auth-file' };
const RETRY_MS = 5_000;

interface Source {
  setting: 'AUTH_TOKEN_FILE' | 'AUTH_USER_FILE';
  path: string;
  apply(text: string): Promise<void>;
}

async function applyTokenFile(ctx: IdentityContext, text: string): Promise<void> {
  const tokens = parseTokenFile(text);
  for (const token of tokens) {
    if (await ctx.store.apiTokens.findByHash(token.hash))
      throw new AuthFileError(
        `tokens.${token.id}: this token is also a database API key; revoke one of them`,
      );
  }
  const unusable: string[] = [];
  for (const token of tokens) {
    const name = token.user ?? ctx.settings.authTokenFileDefaultUser;
    if (!name || !(await findUserByIdentifier(ctx, name))) unusable.push(token.id);
  }
  ctx.fileTokens.replace(tokens);
  if (unusable.length > 0)
    ctx.logger.warn(
      { tokens: unusable },
      '[AUTH] tokens without a known user (set `user:` or AUTH_TOKEN_FILE_DEFAULT_USER) are refused',
    );
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AuthFileError(
      code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})`,
    );
  }
}

/** Why a load failed, for the log: AuthFileError messages as they are, anything else briefly. */
function reasonOf(error: unknown): string {
  if (error instanceof AuthFileError) return error.message;
  return `internal error (${(error as Error).message.split('\n')[0]})`;
}

function watchSource(ctx: IdentityContext, source: Source, loadedText: string): FileWatch {
  let lastText = loadedText;
  let queue = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  const reload = async () => {
    let text: string;
    try {
      text = await readText(source.path);
    } catch (error) {
      if (lastText !== '\0missing')
        ctx.logger.error(`[AUTH] Failed to reload ${source.path}: ${reasonOf(error)}`);
      lastText = '\0missing';
      return;
    }
    if (sha256Hex(text) === sha256Hex(lastText)) return;
    lastText = text;
    try {
      await source.apply(text);
      ctx.logger.info(`[AUTH] Reloaded ${source.path}`);
    } catch (error) {
      ctx.logger.error(`[AUTH] Failed to reload ${source.path}: ${reasonOf(error)}`);
      // A database outage is not the file's fault: try the same text again later.
      if (!(error instanceof AuthFileError)) {
        lastText = '';
        clearTimeout(retry);
        retry = setTimeout(schedule, RETRY_MS);
        retry.unref();
      }
    }
  };
  const schedule = () => {
    queue = queue.then(reload);
  };
  const watch = watchFile(source.path, schedule, { debounceMs: 100 });
  return {
    close() {
      clearTimeout(retry);
      watch.close();
    },
  };
}

/**
 * Loads AUTH_USER_FILE (mirrored into the database) and AUTH_TOKEN_FILE (held in memory), then
 * watches both. A reload that fails keeps the previous data and logs
 * `[AUTH] Failed to reload <path>: <reason>`; a good one logs `[AUTH] Reloaded <path>`. Throws
 * AuthFileError (message prefixed with the setting and path) when a file is unusable at start.
 */
export async function startAuthFiles(ctx: IdentityContext): Promise<AuthFiles> {
  const sources: Source[] = [];
  const { authUserFile, authTokenFile } = ctx.settings;
  if (authUserFile)
    sources.push({
      setting: 'AUTH_USER_FILE',
      path: authUserFile,
      apply: async (text) => void (await syncFileUsers(ctx, parseUserFile(text), SYSTEM)),
    });
  if (authTokenFile)
    sources.push({
      setting: 'AUTH_TOKEN_FILE',
      path: authTokenFile,
      apply: (text) => applyTokenFile(ctx, text),
    });
  const watches: FileWatch[] = [];
  for (const source of sources) {
    try {
      const text = await readText(source.path);
      await source.apply(text);
      watches.push(watchSource(ctx, source, text));
    } catch (error) {
      watches.forEach((watch) => watch.close());
      if (!(error instanceof AuthFileError)) throw error;
      throw new AuthFileError(`${source.setting} ${source.path}: ${error.message}`);
    }
    ctx.logger.info(`[AUTH] Loaded ${source.path}`);
  }
  return { stop: () => watches.forEach((watch) => watch.close()) };
}
