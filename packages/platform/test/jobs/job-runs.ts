import pg from 'pg';
import { createJobQueue, createLogger, startJobWorker, type JobHandler, type JobQueue, type JobWorker, type JobWorkerOptions } from '@addon-platform/platform';
import { createTestDatabase, type TestDatabase } from '@addon-platform/platform/testing';

/** One call of a test handler, as the handler recorded it. */
export interface JobRun {
  worker: string;
  task: string;
  jobId: string;
  attempt: number;
  phase: 'started' | 'finished';
  pid: number;
  payload: Record<string, unknown>;
}

export interface JobRuns {
  record(run: Omit<JobRun, 'pid'>): Promise<void>;
  list(task?: string): Promise<JobRun[]>;
  /** The job as graphile-worker holds it; null once it has completed (completing deletes it). */
  readJob(id: string): Promise<{ attempts: number; lockedBy: string | null; lastError: string | null } | null>;
  stop(): Promise<void>;
}

/** A table where test handlers write what they ran, so tests wait on the database, not the clock. */
export async function createJobRuns(databaseUrl: string): Promise<JobRuns> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The test database is dropped WITH (FORCE) at the end, possibly while a client is still closing;
  // without a listener, the pool's 'error' for that client would fail the suite.
  pool.on('error', () => {});
  await pool.query(`
    create table if not exists job_runs (
      id serial primary key,
      worker text not null,
      task text not null,
      job_id text not null,
      attempt int not null,
      phase text not null,
      pid int not null,
      payload jsonb not null
    )`);
  return {
    async record(run) {
      await pool.query('insert into job_runs (worker, task, job_id, attempt, phase, pid, payload) values ($1, $2, $3, $4, $5, $6, $7)', [
        run.worker,
        run.task,
        run.jobId,
        run.attempt,
        run.phase,
        process.pid,
        JSON.stringify(run.payload),
      ]);
    },
    async list(task) {
      const { rows } = await pool.query<JobRun>(
        `select worker, task, job_id as "jobId", attempt, phase, pid, payload
         from job_runs where $1::text is null or task = $1 order by id`,
        [task ?? null],
      );
      return rows;
    },
    async readJob(id) {
      const { rows } = await pool.query(
        'select attempts, locked_by as "lockedBy", last_error as "lastError" from graphile_worker.jobs where id = $1',
        [id],
      );
      return rows[0] ?? null;
    },
    stop: () => pool.end(),
  };
}

/**
 * A fresh database, a queue, a run recorder and the workers a test starts, set up around every test
 * file that calls it; workers stop after each test, everything else after the file.
 */
export function useJobTestBed(service: string) {
  const logger = createLogger({ service, level: 'silent' });
  const workers: JobWorker[] = [];
  const bed = {
    logger,
    db: undefined as unknown as TestDatabase,
    queue: undefined as unknown as JobQueue,
    runs: undefined as unknown as JobRuns,
    async startWorker(options: Pick<JobWorkerOptions, 'queue' | 'tasks'> & Partial<JobWorkerOptions>): Promise<JobWorker> {
      const worker = await startJobWorker({ databaseUrl: bed.db.url, logger, pollIntervalMs: 100, ...options });
      workers.push(worker);
      return worker;
    },
    /** A handler that records its run under `worker` and succeeds. */
    recordAs(worker: string, task: string): JobHandler<Record<string, unknown>> {
      return (payload, job) => bed.runs.record({ worker, task, jobId: job.jobId, attempt: job.attempt, phase: 'finished', payload });
    },
  };
  beforeAll(async () => {
    bed.db = await createTestDatabase();
    bed.queue = await createJobQueue({ databaseUrl: bed.db.url, logger });
    bed.runs = await createJobRuns(bed.db.url);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    await bed.queue?.stop();
    await bed.runs?.stop();
    await bed.db?.drop();
  });
  return bed;
}
