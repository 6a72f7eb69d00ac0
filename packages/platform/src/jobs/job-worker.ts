import { EventEmitter, setMaxListeners } from 'node:events';
import pg from 'pg';
import { makeWorkerUtils, runTaskList, type JobHelpers, type TaskList, type Worker, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { startDeadWorkerSweeper } from './dead-worker-sweeper.js';
import { toGraphileLogger } from './graphile-logger.js';
import { startHeartbeats } from './heartbeats.js';
import { migrateJobSchema, WORKER_SCHEMA } from './job-schema.js';

/** What a handler learns about the job it runs. */
export interface JobContext {
  jobId: string;
  /** 1 on the first run; a run cut short by a crash counts too. */
  attempt: number;
  maxAttempts: number;
  /** Carries the queue, task, job id and attempt. */
  logger: Logger;
  /** Aborts when `stop()` has waited `shutdownTimeoutMs`: give up, and the job runs again elsewhere. */
  signal: AbortSignal;
}

/**
 * Runs one job. Throwing fails this attempt, and the job is retried with exponential backoff until
 * `maxAttempts`. A job may run more than once (a crash, a stalled process declared dead), so a
 * handler must be safe to repeat.
 */
export type JobHandler<T = unknown> = (payload: T, job: JobContext) => Promise<void>;

export interface JobWorkerOptions {
  databaseUrl: string;
  logger: Logger;
  /** The queue this worker serves, e.g. `addons`: it runs `addons.<task>` jobs and no others. */
  queue: string;
  /** Handlers by task name within the queue: `{ syncRepo }` runs the `addons.syncRepo` jobs. */
  tasks: Record<string, JobHandler<never>>;
  /** Jobs this process runs at once. Default 4: handlers mostly wait on registries and the Kubernetes API. */
  concurrency?: number;
  /**
   * How often this process records that its workers are alive, and looks for dead ones, in ms.
   * Default 1000. Every process on one database must use the same value: each judges the others.
   */
  heartbeatIntervalMs?: number;
  /**
   * Age of the last heartbeat after which a worker counts as dead and its jobs go back to the queue,
   * in ms. Default 5000: five missed beats, well beyond a GC pause, yet a crash costs seconds, not the
   * 4 hours graphile-worker waits on its own. At least twice `heartbeatIntervalMs`, and the same in
   * every process on one database. A handler that blocks the event loop this long is taken for dead.
   */
  deadWorkerAfterMs?: number;
  /**
   * How often an idle worker looks for jobs, in ms. New jobs wake a worker at once by NOTIFY; polling
   * finds the ones that become due later (`runAt`, retry backoff). Default 2000 (graphile-worker's).
   */
  pollIntervalMs?: number;
  /**
   * How long `stop()` lets running jobs finish, in ms. Then their `signal` aborts, and the jobs still
   * running a second later go back to the queue for another worker. Default 10000.
   */
  shutdownTimeoutMs?: number;
}

export interface JobWorker {
  /** Takes no new job, lets running ones finish (see `shutdownTimeoutMs`) and closes every connection. */
  stop(): Promise<void>;
}

// Time left to handlers between the abort of their signal and the hand-back of their jobs.
const ABORT_GRACE_MS = 1000;
const NAME = /^[A-Za-z][\w-]*$/;

/** Starts the workers of one queue, with heartbeats and a sweeper for dead workers of every queue. */
export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const {
    databaseUrl,
    queue,
    tasks,
    concurrency = 4,
    heartbeatIntervalMs = 1000,
    deadWorkerAfterMs = 5000,
    pollIntervalMs = 2000,
    shutdownTimeoutMs = 10_000,
  } = options;
  checkOptions({ queue, tasks, concurrency, heartbeatIntervalMs, deadWorkerAfterMs, pollIntervalMs, shutdownTimeoutMs });
  const logger = options.logger.child({ component: 'job-worker', queue });
  const graphileLogger = toGraphileLogger(logger);

  // Beside the workers' own connections: one LISTENs, one beats, one sweeps.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 3 });
  pool.on('error', (error) => logger.warn({ err: error }, 'job worker: idle database connection failed'));
  let workerUtils: WorkerUtils;
  try {
    await migrateJobSchema(databaseUrl, pool, logger);
    workerUtils = await makeWorkerUtils({ pgPool: pool, schema: WORKER_SCHEMA, logger: graphileLogger });
  } catch (error) {
    await pool.end();
    throw error;
  }

  // graphile-worker names each worker at random and announces it synchronously as the pool starts.
  const events = new EventEmitter() as WorkerEvents;
  const workers: Worker[] = [];
  events.on('worker:create', ({ worker }) => workers.push(worker));
  const workerPool = runTaskList(
    {
      schema: WORKER_SCHEMA,
      concurrency,
      pollInterval: pollIntervalMs,
      gracefulShutdownAbortTimeout: shutdownTimeoutMs,
      // The service owns its signals and calls stop(); graphile-worker's handlers would kill the process.
      noHandleSignals: true,
      logger: graphileLogger,
      events,
    },
    toTaskList(queue, tasks, logger, concurrency),
    pool,
  );
  // What jobs.locked_by holds: the worker's id up to graphile-worker 0.16, its pool's id from 0.17 on
  // (which needs Node 22). Beating for both keeps the sweeper right across that upgrade.
  const lockIds = [workerPool.id, ...workers.map((worker) => worker.workerId)];
  const heartbeats = startHeartbeats({ pool, queue, lockIds, intervalMs: heartbeatIntervalMs, logger });
  const sweeper = startDeadWorkerSweeper({ pool, workerUtils, deadWorkerAfterMs, intervalMs: heartbeatIntervalMs, logger });
  logger.info({ tasks: Object.keys(tasks), concurrency, lockIds }, 'job worker started');
  let isStopping = false;
  void workerPool.promise.then(() => {
    if (!isStopping) logger.error('job worker: graphile-worker stopped the workers on its own (a breaking schema migration?); restart this process');
  });

  const stop = async () => {
    isStopping = true;
    try {
      await sweeper.stop();
      // Heartbeats go on until the workers hold no job, or other processes would take their jobs.
      void workerPool.gracefulShutdown('job worker stopping');
      // The pool's promise, not gracefulShutdown's: the pool may already be shutting down on its own
      // (graphile-worker does so when another process applies a breaking migration).
      if (!(await settlesWithin(workerPool.promise, shutdownTimeoutMs + ABORT_GRACE_MS))) {
        logger.warn({ lockIds }, 'job worker: jobs still running at shutdown go back to the queue');
        await workerUtils.forceUnlockWorkers(lockIds);
        await Promise.all(workers.map((worker) => worker.release(true)));
        await workerPool.promise;
      }
      await heartbeats.stop();
    } finally {
      await workerUtils.release();
      await pool.end();
    }
    logger.info('job worker stopped');
  };
  let stopped: Promise<void> | undefined;
  return { stop: () => (stopped ??= stop()) };
}

function toTaskList(queue: string, tasks: Record<string, JobHandler<never>>, logger: Logger, concurrency: number): TaskList {
  // graphile-worker types the signal as optional (experimental); a signal that never aborts is the honest stand-in.
  const neverAborted = new AbortController().signal;
  return Object.fromEntries(
    Object.entries(tasks).map(([name, handler]) => [
      `${queue}.${name}`,
      (payload: unknown, { job, abortSignal }: JobHelpers) => {
        // graphile-worker hands every running job the same signal; a handler listening on it (a
        // launch following a rollout) is one listener per job, not a leak.
        if (abortSignal) setMaxListeners(concurrency + 10, abortSignal);
        return handler(payload as never, {
          jobId: job.id,
          attempt: job.attempts,
          maxAttempts: job.max_attempts,
          logger: logger.child({ task: job.task_identifier, jobId: job.id, attempt: job.attempts }),
          signal: abortSignal ?? neverAborted,
        });
      },
    ]),
  );
}

function checkOptions(options: Required<Omit<JobWorkerOptions, 'databaseUrl' | 'logger'>>): void {
  const { queue, tasks, concurrency, heartbeatIntervalMs, deadWorkerAfterMs, pollIntervalMs, shutdownTimeoutMs } = options;
  const problems: string[] = [];
  if (!NAME.test(queue)) problems.push(`queue "${queue}" must be a name such as "addons" (letters, digits, - and _)`);
  const taskNames = Object.keys(tasks);
  if (taskNames.length === 0) problems.push('tasks must name at least one handler');
  for (const name of taskNames.filter((taskName) => !NAME.test(taskName))) {
    problems.push(`task "${name}" must be a name such as "syncRepo", without the queue`);
  }
  const isPositiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  if (!isPositiveInteger(concurrency)) problems.push(`concurrency must be a positive integer, got ${concurrency}`);
  if (!isPositiveInteger(heartbeatIntervalMs)) problems.push(`heartbeatIntervalMs must be a positive integer, got ${heartbeatIntervalMs}`);
  if (!isPositiveInteger(pollIntervalMs)) problems.push(`pollIntervalMs must be a positive integer, got ${pollIntervalMs}`);
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0) problems.push(`shutdownTimeoutMs must be an integer of 0 or more, got ${shutdownTimeoutMs}`);
  if (!(deadWorkerAfterMs >= 2 * heartbeatIntervalMs)) {
    problems.push(`deadWorkerAfterMs (${deadWorkerAfterMs}) must be at least twice heartbeatIntervalMs (${heartbeatIntervalMs}), or a live worker that misses one beat counts as dead`);
  }
  if (problems.length > 0) throw new ConfigError('job worker', problems);
}

async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
