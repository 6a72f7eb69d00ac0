/**
 * A worker in a process of its own, for the crash test: it takes `crash.work` jobs, records that it
 * started one, and then hangs until the test kills it. Usage: worker-process.ts <databaseUrl>
 */
import { createLogger, startJobWorker } from '@addon-platform/platform';
import { createJobRuns } from './job-runs.js';

const databaseUrl = process.argv[2];
if (!databaseUrl) throw new Error('usage: worker-process.ts <databaseUrl>');
const runs = await createJobRuns(databaseUrl);
await startJobWorker({
  databaseUrl,
  logger: createLogger({ service: 'crash-test-worker', level: 'warn' }),
  queue: 'crash',
  concurrency: 1,
  tasks: {
    work: async (payload: Record<string, unknown>, job) => {
      await runs.record({ worker: 'doomed', task: 'crash.work', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
      await new Promise(() => {});
    },
  },
});
