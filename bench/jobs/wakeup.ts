/**
 * Enqueue-to-start latency of the job queue: enqueues jobs one at a time on an idle worker, so each
 * figure is the NOTIFY wake-up and not time spent waiting behind other jobs, and prints p50/p99/max.
 * Uses a throwaway database on `DATABASE_URL`, or an embedded PostgreSQL when that is unset.
 * `npm run bench:jobs -- [jobs]` (default 200).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createJobQueue, createLogger, startEmbeddedPostgres, startJobWorker } from '@addon-platform/platform';
import { createTestDatabase, deferred, freePort } from '@addon-platform/platform/testing';

const jobs = Number(process.argv[2] ?? 200);
const warmUpJobs = 10;
const logger = createLogger({ service: 'bench-jobs', level: 'warn' });

let stopPostgres = async () => {};
if (!process.env.DATABASE_URL) {
  const dataDir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-pg-'));
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench' });
  process.env.DATABASE_URL = postgres.databaseUrl;
  stopPostgres = async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
const db = await createTestDatabase();
const queue = await createJobQueue({ databaseUrl: db.url, logger });
let started = deferred<number>();
const worker = await startJobWorker({
  databaseUrl: db.url,
  logger,
  queue: 'bench',
  tasks: { touch: async () => started.resolve(performance.now()) },
});

const latenciesMs: number[] = [];
for (let i = 0; i < warmUpJobs + jobs; i++) {
  started = deferred<number>();
  const enqueuedAt = performance.now();
  await queue.enqueue('bench.touch', { i });
  const startedAt = await started.promise;
  if (i >= warmUpJobs) latenciesMs.push(startedAt - enqueuedAt);
}

await worker.stop();
await queue.stop();
await db.drop();
await stopPostgres();

latenciesMs.sort((a, b) => a - b);
const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.ceil((p / 100) * latenciesMs.length) - 1)]!.toFixed(1);
console.log(`enqueue → handler start over ${jobs} jobs: p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, max ${percentile(100)} ms`);
