import pg from 'pg';
import { createJobQueue, createLogger, enqueueJob, startJobWorker, type JobQueue, type JobWorker, type TaskName } from '@addon-platform/platform';
import { createTestDatabase, waitFor, withClient, type TestDatabase } from '@addon-platform/platform/testing';
import { createJobRuns, type JobRuns } from './job-runs.js';

const logger = createLogger({ service: 'job-queue-test', level: 'silent' });
let db: TestDatabase;
let queue: JobQueue;
let runs: JobRuns;
const workers: JobWorker[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  queue = await createJobQueue({ databaseUrl: db.url, logger });
  runs = await createJobRuns(db.url);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

afterAll(async () => {
  await queue?.stop();
  await runs?.stop();
  await db?.drop();
});

async function startRecorder(queueName: string): Promise<void> {
  workers.push(
    await startJobWorker({
      databaseUrl: db.url,
      logger,
      queue: queueName,
      tasks: {
        record: (payload: Record<string, unknown>, job) =>
          runs.record({ worker: queueName, task: `${queueName}.record`, jobId: job.jobId, attempt: job.attempt, phase: 'finished', payload }),
      },
    }),
  );
}

const countJobs = (client: pg.ClientBase, task: string) =>
  client.query<{ count: number }>('select count(*)::int as count from graphile_worker.jobs where task_identifier = $1', [task]).then(({ rows }) => rows[0]!.count);

describe('job queue', () => {
  it('sets up its schema once when several queues start together on an empty database', async () => {
    const fresh = await createTestDatabase();
    try {
      const queues = await Promise.all(Array.from({ length: 5 }, () => createJobQueue({ databaseUrl: fresh.url, logger })));
      await queues[0]!.enqueue('fresh.record', {});
      await Promise.all(queues.map((started) => started.stop()));
      await withClient(fresh.url, async (client) => expect(await countJobs(client, 'fresh.record')).toBe(1));
    } finally {
      await fresh.drop();
    }
  });

  it("adds a job with the caller's transaction, and none when that transaction rolls back", async () => {
    await startRecorder('txn');
    await withClient(db.url, async (client) => {
      await client.query('begin');
      await enqueueJob(client, 'txn.record', { n: 1 });
      await client.query('rollback');
      expect(await countJobs(client, 'txn.record')).toBe(0);

      await client.query('begin');
      await enqueueJob(client, 'txn.record', { n: 2 });
      await client.query('commit');
    });

    const [run] = await waitFor(async () => {
      const list = await runs.list('txn.record');
      return list.length > 0 && list;
    }, { description: 'the committed job to run' });
    expect(run!.payload).toEqual({ n: 2 });
  });

  it('keeps one pending job per job key, with the latest payload', async () => {
    await queue.enqueue('keyed.record', { n: 1 }, { jobKey: 'repo-7' });
    await queue.enqueue('keyed.record', { n: 2 }, { jobKey: 'repo-7' });
    await startRecorder('keyed');

    await waitFor(async () => (await runs.list('keyed.record')).length > 0, { description: 'the keyed job to run' });
    await withClient(db.url, async (client) => expect(await countJobs(client, 'keyed.record')).toBe(0));
    expect((await runs.list('keyed.record')).map((run) => run.payload)).toEqual([{ n: 2 }]);
  });

  it('refuses a task name without its queue', async () => {
    await expect(queue.enqueue('syncRepo' as TaskName, {})).rejects.toThrow('"<queue>.<task>"');
  });
});
