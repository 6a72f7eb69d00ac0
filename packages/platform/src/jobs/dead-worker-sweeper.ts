import type pg from 'pg';
import type { WorkerUtils } from 'graphile-worker';
import type { Logger } from '../logger.js';
import { HEARTBEATS_TABLE, WORKER_SCHEMA } from './job-schema.js';
import { repeatEvery } from './repeat.js';

export interface DeadWorkerSweeperOptions {
  pool: pg.Pool;
  workerUtils: WorkerUtils;
  deadWorkerAfterMs: number;
  intervalMs: number;
  logger: Logger;
}

/**
 * Hands the jobs of dead workers, of any queue, back to the queue. A worker is dead when the last
 * heartbeat for its lock id is older than `deadWorkerAfterMs`; a lock id with no heartbeat row (its
 * process died before the first beat, or the row was swept) is judged by when it locked the job
 * instead. Both are compared with the database's clock, never a process's.
 *
 * Every worker process sweeps, and that is safe: `forceUnlockWorkers` clears only the locks still held
 * by the ids given, so a second sweeper finds nothing left, and a job a live worker has taken since
 * carries that worker's id.
 */
export function startDeadWorkerSweeper(options: DeadWorkerSweeperOptions): { stop(): Promise<void> } {
  const { pool, workerUtils, deadWorkerAfterMs, intervalMs, logger } = options;
  const sweep = async () => {
    const { rows } = await pool.query<{ locked_by: string; jobs: number }>(
      `select jobs.locked_by, count(*)::int as jobs
       from ${WORKER_SCHEMA}.jobs as jobs
       left join ${HEARTBEATS_TABLE} as heartbeats on heartbeats.locked_by = jobs.locked_by
       where jobs.locked_by is not null
         and coalesce(heartbeats.beat_at, jobs.locked_at) < now() - $1 * interval '1 millisecond'
       group by jobs.locked_by`,
      [deadWorkerAfterMs],
    );
    if (rows.length > 0) {
      const deadIds = rows.map((row) => row.locked_by);
      const jobs = rows.reduce((sum, row) => sum + row.jobs, 0);
      await workerUtils.forceUnlockWorkers(deadIds);
      // Unlocking does not NOTIFY; without this, idle workers would find the jobs only at their next poll.
      await pool.query(`select pg_notify('jobs:insert', $1)`, [JSON.stringify({ count: jobs })]);
      logger.warn({ deadIds, jobs }, 'job worker: handed the jobs of dead workers back to the queue');
    }
    await pool.query(`delete from ${HEARTBEATS_TABLE} where beat_at < now() - $1 * interval '1 millisecond'`, [deadWorkerAfterMs]);
  };
  return repeatEvery(intervalMs, sweep, (error) => logger.warn({ err: error }, 'job worker: sweep for dead workers failed'));
}
