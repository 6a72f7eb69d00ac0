import pg from 'pg';
import { createJobQueue, enqueueJob, type TaskName } from '@addon-platform/platform';
import { createTestDatabase, waitFor, withClient } from '@addon-platform/platform/testing';
import { useJobTestBed } from './job-runs.js';

const bed = useJobTestBed('job-queue-test');

const countJobs = (client: pg.ClientBase, task: string) =>
  client.query<{ count: number }>('select count(*)::int as count from graphile_worker.jobs where task_identifier = $1', [task]).then(({ rows }) => rows[0]!.count);

describe('job queue', () => {
  it('sets up its schema once when several queues start together on an empty database', async () => {
    const fresh = await createTestDatabase();
    try {
      const queues = await Promise.all(Array.from({ length: 5 }, () => createJobQueue({ databaseUrl: fresh.url, logger: bed.logger })));
      await queues[0]!.enqueue('fresh.record', {});
      await Promise.all(queues.map((started) => started.stop()));
      await withClient(fresh.url, async (client) => expect(await countJobs(client, 'fresh.record')).toBe(1));
    } finally {
      await fresh.drop();
    }
  });

  it("adds a job with the caller's transaction, and none when that transaction rolls back", async () => {
    await bed.startWorker({ queue: 'txn', tasks: { record: bed.recordAs('txn', `${'txn'}.record`) } });
    await withClient(bed.db.url, async (client) => {
      await client.query('begin');
      await enqueueJob(client, 'txn.record', { n: 1 });
      await client.query('rollback');
      expect(await countJobs(client, 'txn.record')).toBe(0);

      await client.query('begin');
      await enqueueJob(client, 'txn.record', { n: 2 });
      await client.query('commit');
    });

    const [run] = await waitFor(async () => {
      const list = await bed.runs.list('txn.record');
      return list.length > 0 && list;
    }, { description: 'the committed job to run' });
    expect(run!.payload).toEqual({ n: 2 });
  });

  it('keeps one pending job per job key, with the latest payload', async () => {
    await bed.queue.enqueue('keyed.record', { n: 1 }, { jobKey: 'repo-7' });
    await bed.queue.enqueue('keyed.record', { n: 2 }, { jobKey: 'repo-7' });
    await bed.startWorker({ queue: 'keyed', tasks: { record: bed.recordAs('keyed', `${'keyed'}.record`) } });

    await waitFor(async () => (await bed.runs.list('keyed.record')).length > 0, { description: 'the keyed job to run' });
    await withClient(bed.db.url, async (client) => expect(await countJobs(client, 'keyed.record')).toBe(0));
    expect((await bed.runs.list('keyed.record')).map((run) => run.payload)).toEqual([{ n: 2 }]);
  });

  it('refuses a task name without its queue', async () => {
    await expect(bed.queue.enqueue('syncRepo' as TaskName, {})).rejects.toThrow('"<queue>.<task>"');
  });
});
