import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { HEARTBEATS_TABLE } from './job-schema.js';
import { repeatEvery } from './repeat.js';

export interface HeartbeatsOptions {
  pool: pg.Pool;
  queue: string;
  /** The ids this process's workers write to `jobs.locked_by` while they run a job. */
  lockIds: string[];
  intervalMs: number;
  logger: Logger;
}

/**
 * Records every `intervalMs` that this process's workers are alive. The row is upserted, not updated:
 * a sweeper may have deleted it while this process stalled, and a worker that beats again is alive.
 */
export function startHeartbeats(options: HeartbeatsOptions): { stop(): Promise<void> } {
  const { pool, queue, lockIds, intervalMs, logger } = options;
  const processName = `${hostname()}/${process.pid}`;
  const beat = async () => {
    await pool.query(
      `insert into ${HEARTBEATS_TABLE} (locked_by, queue, process)
       select unnest($1::text[]), $2, $3
       on conflict (locked_by) do update set beat_at = now()`,
      [lockIds, queue, processName],
    );
  };
  const repeater = repeatEvery(intervalMs, beat, (error) => logger.warn({ err: error }, 'job worker: heartbeat failed'));
  return {
    // Called once the workers hold no job, so no sweeper needs these rows any more. If the database is
    // already going away (Ctrl-C reaches a local PostgreSQL too), the rows age out and are swept.
    async stop() {
      await repeater.stop();
      await pool
        .query(`delete from ${HEARTBEATS_TABLE} where locked_by = any($1::text[])`, [lockIds])
        .catch((error: unknown) => logger.warn({ err: error }, 'job worker: could not remove its heartbeats at stop; they will age out'));
    },
  };
}
