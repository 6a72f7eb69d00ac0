import { startJobWorker } from '@addon-platform/platform';
import { deferred, waitFor } from '@addon-platform/platform/testing';
import { useJobTestBed } from './job-runs.js';

const bed = useJobTestBed('job-worker-test');

describe('job worker', () => {
  it('runs a job on the worker of its own queue and on no other', async () => {
    await bed.startWorker({ queue: 'alpha', tasks: { record: bed.recordAs('alpha', 'alpha.record') } });
    await bed.startWorker({ queue: 'beta', tasks: { record: bed.recordAs('beta', 'beta.record') } });
    const orphan = await bed.queue.enqueue('gamma.record', { n: 0 });
    await bed.queue.enqueue('alpha.record', { n: 1 });
    await bed.queue.enqueue('beta.record', { n: 2 });

    const done = await waitFor(async () => {
      const list = await bed.runs.list();
      return list.length >= 2 && list;
    }, { description: 'the alpha and beta jobs to run' });
    expect(done.map(({ worker, task, payload }) => ({ worker, task, payload })).sort((a, b) => a.worker.localeCompare(b.worker))).toEqual([
      { worker: 'alpha', task: 'alpha.record', payload: { n: 1 } },
      { worker: 'beta', task: 'beta.record', payload: { n: 2 } },
    ]);
    // Jobs are taken oldest first: a worker that accepted gamma.record would have taken it before the others.
    await expect(bed.runs.readJob(orphan.id)).resolves.toEqual({ attempts: 0, lockedBy: null, lastError: null });
  });

  it('retries a job whose handler throws, telling the handler which attempt it is', async () => {
    await bed.startWorker({
      queue: 'flaky',
      tasks: {
        failOnce: async (payload: Record<string, unknown>, job) => {
          await bed.runs.record({ worker: 'flaky', task: 'flaky.failOnce', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
          if (job.attempt === 1) throw new Error('the first attempt fails on purpose');
        },
      },
    });
    const { id } = await bed.queue.enqueue('flaky.failOnce', {}, { maxAttempts: 3 });

    await waitFor(async () => (await bed.runs.readJob(id)) === null, { description: 'the retried job to complete' });
    expect((await bed.runs.list('flaky.failOnce')).map((run) => [run.jobId, run.attempt])).toEqual([
      [id, 1],
      [id, 2],
    ]);
  });

  it('keeps a job that failed its last attempt, with the error', async () => {
    await bed.startWorker({ queue: 'doomed', tasks: { fail: async () => Promise.reject(new Error('registry answered 503')) } });
    const { id } = await bed.queue.enqueue('doomed.fail', {}, { maxAttempts: 1 });

    const job = await waitFor(async () => {
      const current = await bed.runs.readJob(id);
      return current?.lastError && current;
    }, { description: 'the job to fail' });
    expect(job).toEqual({ attempts: 1, lockedBy: null, lastError: 'registry answered 503' });
  });

  it('lets a running job finish when stopped', async () => {
    const release = deferred();
    const worker = await bed.startWorker({
      queue: 'slow',
      tasks: {
        wait: async (payload: Record<string, unknown>, job) => {
          await bed.runs.record({ worker: 'slow', task: 'slow.wait', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
          await release.promise;
          await bed.runs.record({ worker: 'slow', task: 'slow.wait', jobId: job.jobId, attempt: job.attempt, phase: 'finished', payload });
        },
      },
    });
    const { id } = await bed.queue.enqueue('slow.wait', {});
    await waitFor(async () => (await bed.runs.list('slow.wait')).length > 0, { description: 'the job to start' });

    const stopping = worker.stop();
    release.resolve();
    await stopping;
    expect((await bed.runs.list('slow.wait')).map((run) => run.phase)).toEqual(['started', 'finished']);
    await expect(bed.runs.readJob(id)).resolves.toBeNull();
  });

  it('aborts the signal of a job still running at the shutdown timeout, and the job fails this attempt', async () => {
    const worker = await bed.startWorker({
      queue: 'patient',
      shutdownTimeoutMs: 100,
      tasks: {
        wait: async (payload: Record<string, unknown>, job) => {
          await bed.runs.record({ worker: 'patient', task: 'patient.wait', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
          await new Promise((_resolve, reject) => job.signal.addEventListener('abort', () => reject(new Error('stopped while waiting'))));
        },
      },
    });
    const { id } = await bed.queue.enqueue('patient.wait', {});
    await waitFor(async () => (await bed.runs.list('patient.wait')).length > 0, { description: 'the job to start' });

    await worker.stop();
    await expect(bed.runs.readJob(id)).resolves.toEqual({ attempts: 1, lockedBy: null, lastError: 'stopped while waiting' });
  });

  it('hands a job that ignores its signal back to the queue when the shutdown timeout has passed', async () => {
    const worker = await bed.startWorker({
      queue: 'stuck',
      shutdownTimeoutMs: 100,
      tasks: {
        hang: async (payload: Record<string, unknown>, job) => {
          await bed.runs.record({ worker: 'stuck', task: 'stuck.hang', jobId: job.jobId, attempt: job.attempt, phase: 'started', payload });
          await new Promise(() => {});
        },
      },
    });
    const { id } = await bed.queue.enqueue('stuck.hang', {});
    await waitFor(async () => (await bed.runs.list('stuck.hang')).length > 0, { description: 'the job to start' });

    await worker.stop();
    await expect(bed.runs.readJob(id)).resolves.toEqual({ attempts: 1, lockedBy: null, lastError: null });
  });

  it('refuses settings that would declare live workers dead, naming each bad one', async () => {
    await expect(
      startJobWorker({
        databaseUrl: bed.db.url,
        logger: bed.logger,
        queue: 'addons',
        tasks: { 'addons.syncRepo': async () => {} },
        heartbeatIntervalMs: 1000,
        deadWorkerAfterMs: 1500,
      }),
    ).rejects.toThrow(/job worker: invalid configuration:[\s\S]*task "addons.syncRepo"[\s\S]*deadWorkerAfterMs \(1500\)/);
  });
});
