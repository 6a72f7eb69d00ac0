import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../logger.js';

const PINO_LEVELS: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
  error: 'error',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
};

/**
 * Routes graphile-worker's logs into our pino logger. Only the scope and the error travel: its
 * metadata also carries worker and pool objects, which are large, circular and of no use in a log line.
 */
export function toGraphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => {
    const scoped = logger.child({
      ...(scope.workerId && { workerId: scope.workerId }),
      ...(scope.taskIdentifier && { task: scope.taskIdentifier }),
      ...(scope.jobId && { jobId: scope.jobId }),
    });
    return (level, message, meta) => {
      const error = meta?.error ?? meta?.fatalError;
      scoped[PINO_LEVELS[level] ?? 'info'](error instanceof Error ? { err: error } : {}, message);
    };
  });
}
