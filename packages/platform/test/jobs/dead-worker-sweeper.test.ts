import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createJobQueue, createLogger, startJobWorker, type JobQueue, type JobWorker } from '@addon-platform/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@addon-platform/platform/testing';
import { createJobRuns, type JobRuns } from './job-runs.js';

const logger = createLogger({ service: 'dead-worker-test', level: 'silent' });
const workerProcessScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let db: TestDatabase;
let queue: JobQueue;
let runs: JobRuns;
const children: ChildProcess[] = [];
const workers: JobWorker[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  queue = await createJobQueue({ databaseUrl: db.url, logger });
  runs = await createJobRuns(db.url);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.stop()));
  await queue?.stop();
  await runs?.stop();
  await db?.drop();
});

/** Starts worker-process.ts the way scripts run TypeScript here; its output is kept for failure messages. */
function spawnWorkerProcess(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', '@swc-node/register/esm-register', workerProcessScript, db.url], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

describe('dead worker sweeper', () => {
  it('hands the job of a SIGKILLed worker process to another worker, which finishes it once', async () => {
    const { id } = await queue.enqueue('crash.work', { repo: 'r1' });
    const { child, output } = spawnWorkerProcess();
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker process exited early:\n${output()}`);
        return (await runs.list('crash.work')).some((run) => run.pid === child.pid);
      },
      { timeoutMs: 30_000, description: 'the worker process to start the job' },
    );

    child.kill('SIGKILL');
    await once(child, 'exit');
    // Two survivors, so two sweepers race for the dead worker's job; default heartbeat settings.
    const work = async (payload: Record<string, unknown>, job: { jobId: string; attempt: number }) => {
      await runs.record({ worker: 'survivor', task: 'crash.work', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
      await runs.record({ worker: 'survivor', task: 'crash.work', jobId: job.jobId, attempt: job.attempt, phase: 'finished', payload });
    };
    workers.push(...(await Promise.all([1, 2].map(() => startJobWorker({ databaseUrl: db.url, logger, queue: 'crash', tasks: { work } })))));

    // Completing a job deletes it, so once it is gone no further run can happen.
    await waitFor(async () => (await runs.readJob(id)) === null, { timeoutMs: 15_000, description: 'another worker to finish the job' });
    const list = await runs.list('crash.work');
    expect(list.map(({ worker, jobId, attempt, phase }) => ({ worker, jobId, attempt, phase }))).toEqual([
      { worker: 'doomed', jobId: id, attempt: 1, phase: 'started' },
      { worker: 'survivor', jobId: id, attempt: 2, phase: 'started' },
      { worker: 'survivor', jobId: id, attempt: 2, phase: 'finished' },
    ]);
    expect(list.filter((run) => run.phase === 'finished')).toHaveLength(1);
  });
});
