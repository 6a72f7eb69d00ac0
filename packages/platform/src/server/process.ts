import type { Logger } from '../logger.js';

/**
 * Runs a service until SIGINT or SIGTERM, then stops it once; a second signal exits at once. A start
 * failure (bad configuration, unreachable database) is printed and exits non-zero.
 */
export async function runUntilSignal(
  start: () => Promise<{ stop(): Promise<void> }>,
  logger: Pick<Logger, 'info' | 'error'>,
): Promise<void> {
  let service: { stop(): Promise<void> };
  try {
    service = await start();
  } catch (error) {
    logger.error({ err: error }, 'failed to start');
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    try {
      await service.stop();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'failed to stop cleanly');
      process.exit(1);
    }
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
