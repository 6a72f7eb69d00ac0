import pg from 'pg';
import type { Logger } from '../logger.js';
import { enqueueJob, type EnqueueOptions, type EnqueuedJob, type TaskName } from './enqueue.js';
import { migrateJobSchema } from './job-schema.js';

export interface JobQueueOptions {
  databaseUrl: string;
  logger: Logger;
  /** Connections this queue may hold. Default 4: an enqueue is one short statement. */
  poolMax?: number;
}

/** Enqueues jobs on any subgraph's queue; needs no worker in this process. */
export interface JobQueue {
  /** Adds a job in its own transaction; use {@link enqueueJob} to add one inside yours. */
  enqueue<T extends object>(task: TaskName, payload: T, options?: EnqueueOptions): Promise<EnqueuedJob>;
  stop(): Promise<void>;
}

/** Connects, applies the queue's migrations, and returns a queue to enqueue on. */
export async function createJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const { databaseUrl, poolMax = 4 } = options;
  const logger = options.logger.child({ component: 'job-queue' });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  // An idle client that loses its connection emits 'error'; unhandled, that would end the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'job queue: idle database connection failed'));
  try {
    await migrateJobSchema(databaseUrl, pool, logger);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    enqueue: (task, payload, enqueueOptions) => enqueueJob(pool, task, payload, enqueueOptions),
    stop: () => (stopped ??= pool.end()),
  };
}
