import pg from 'pg';
import { runMigrations } from 'graphile-worker';
import type { Logger } from '../logger.js';
import { toGraphileLogger } from './graphile-logger.js';

/**
 * graphile-worker's schema, named explicitly so that neither `GRAPHILE_WORKER_SCHEMA` nor a
 * `.graphile-workerrc` file can move it away from the SQL in this folder.
 */
export const WORKER_SCHEMA = 'graphile_worker';

/**
 * One row per id a live process may write to `jobs.locked_by`, with the time it last said so. Ours,
 * beside the library's schema: graphile-worker's migrations own that one, so we add nothing to it.
 */
export const HEARTBEATS_TABLE = 'job_queue.worker_heartbeats';

const HEARTBEATS_DDL = `
  create schema if not exists job_queue;
  create table if not exists ${HEARTBEATS_TABLE} (
    locked_by text primary key,
    queue text not null,
    process text not null,
    beat_at timestamptz not null default now()
  );
`;

/**
 * Brings graphile-worker's schema and the heartbeats table up to date. Every queue and worker calls
 * this at start, so replicas starting together queue on one advisory lock: graphile-worker 0.16
 * detects a concurrent migration, but its first `create schema if not exists` can still fail when two
 * processes race on an empty database (fixed in 0.17, which needs Node 22).
 */
export async function migrateJobSchema(databaseUrl: string, pool: pg.Pool, logger: Logger): Promise<void> {
  // The lock lives on its own session, so closing that session releases it whatever happens below.
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [`migrations:${WORKER_SCHEMA}`]);
    await runMigrations({ pgPool: pool, schema: WORKER_SCHEMA, logger: toGraphileLogger(logger) });
    await pool.query(HEARTBEATS_DDL);
  } finally {
    await lock.end();
  }
}
