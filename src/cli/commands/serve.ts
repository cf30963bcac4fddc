import type { FastifyInstance } from 'fastify';
import { batchedDestination, createLogger, StartupError, startServer } from '../../http/index.ts';
import type { Store } from '../../store/index.ts';
import { EXIT } from '../exit-codes.ts';
import { loadSettingsOrReport } from '../settings.ts';

/**
 * `gatehouse serve`: runs the server until SIGTERM or SIGINT, then drains and resolves to the exit
 * code. `extendApp` lets a program embedding Gatehouse add routes before it listens.
 */
export async function serve(options: {
  config?: string;
  noAuth?: boolean;
  extendApp?: (app: FastifyInstance, store: Store) => void;
}): Promise<number> {
  const loaded = loadSettingsOrReport(options.config);
  if (loaded === null) return EXIT.usage;
  const { settings, warnings } = loaded;
  const logger = createLogger(
    settings.logLevel,
    settings.logBufferMs > 0 ? batchedDestination(1, settings.logBufferMs) : undefined,
  );
  for (const warning of warnings) logger.warn({ config_warning: true }, warning);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(settings, logger, { extendApp: options.extendApp, noAuth: options.noAuth });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    logger.error(error.message);
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return error.exitCode;
  }
  logger.info(
    { url: server.url, database: server.store.capabilities.dialect },
    `Gatehouse listening on ${server.url}`,
  );

  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      server.shutdown(signal).then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
