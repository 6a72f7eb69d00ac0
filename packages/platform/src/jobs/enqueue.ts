import { WORKER_SCHEMA } from './job-schema.js';

/** `<queue>.<task>`, e.g. `addons.syncRepo`: the queue is the subgraph that runs the job. */
export type TaskName = `${string}.${string}`;

export interface EnqueueOptions {
  /**
   * Keeps one pending job per key: enqueueing again with the same key replaces the payload and
   * `runAt` of a job that has not started yet, and adds a new job when it has (graphile-worker's
   * `job_key` in `replace` mode). Default: none, every enqueue adds a job.
   */
  jobKey?: string;
  /** Earliest time the job may start. Default: now. */
  runAt?: Date;
  /** Runs, the first included, before a failing job is left failed. Default 25 (graphile-worker's). */
  maxAttempts?: number;
  /**
   * Jobs naming the same serial queue run one at a time, in order, whichever worker takes them
   * (graphile-worker's `queue_name`): e.g. one sync per repo. Default: none, jobs run in parallel.
   */
  serialQueue?: string;
}

export interface EnqueuedJob {
  id: string;
}

/** The one method of a `pg` Client, PoolClient or Pool that enqueueing needs. */
export interface JobSqlClient {
  query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

const TASK_NAME = /^[A-Za-z][\w-]*\.[A-Za-z][\w-]*$/;

/**
 * Adds a job through the caller's connection, so that inside a transaction the job is committed or
 * rolled back with the caller's own writes. Workers hear of it by NOTIFY, which PostgreSQL delivers
 * at commit.
 */
export async function enqueueJob(db: JobSqlClient, task: TaskName, payload: object, options: EnqueueOptions = {}): Promise<EnqueuedJob> {
  assertTaskName(task);
  const { jobKey = null, runAt = null, maxAttempts = null, serialQueue = null } = options;
  const { rows } = await db.query(
    `select id from ${WORKER_SCHEMA}.add_job(
       identifier => $1::text, payload => $2::json, run_at => $3::timestamptz, max_attempts => $4::int, job_key => $5::text,
       queue_name => $6::text
     )`,
    [task, JSON.stringify(payload), runAt?.toISOString() ?? null, maxAttempts, jobKey, serialQueue],
  );
  return { id: String(rows[0]!.id) };
}

export function assertTaskName(task: string): asserts task is TaskName {
  if (!TASK_NAME.test(task)) throw new Error(`job task "${task}" is not named "<queue>.<task>", e.g. "addons.syncRepo"`);
}
