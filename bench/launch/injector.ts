/**
 * The benches' event injector. It stands in for many runtimes replicas, so it must not be what
 * limits commits, and at first it was (pg_stat_activity: most connections "idle in transaction",
 * waiting on the client): on the load process's event loop, behind thousands of subscribers'
 * messages, and through the ORM's transactions (about a millisecond of CPU each), it held its rows
 * for milliseconds between statements. It now runs on a worker thread of its own, on bare pg
 * connections, and records each event with the runner's own statement (`launchEventStatement`:
 * `record_launch_event`, whose deferred trigger feeds the tenant and queues the notice at commit), as
 * one prepared statement in a transaction of its own, then runs the coalesced send of queued notices
 * the runtimes ORM runs after a commit.
 * That is lighter than the runner's transaction (which also locks the instance and reads its
 * operation's phase: five round trips, measured by bench:launch's launches): the benches measure
 * delivery, and on a machine of two CPUs every millisecond the database spends per event is taken from
 * the servers being measured. BEGIN and COMMIT as statements of their own, unprepared, cost the
 * database about 0.2 ms more per event (pgbench, 1,000 events/s).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { LaunchPhase, RuntimeOperationKind } from '@addon-platform/runtimes';
// The package's front door does not export it.
import { createLaunchNoticeSender, launchEventStatement } from '../../subgraphs/runtimes/src/launch-events/index.js';

/** Non-terminal, so every subscription stays open for the whole run. */
const PHASES = [LaunchPhase.SCHEDULING, LaunchPhase.PULLING_IMAGE, LaunchPhase.STARTING];

export interface InjectedInstance {
  id: string;
  operationId: string;
}

export interface InjectorOptions {
  databaseUrl: string;
  /** Connections, so many events committing at once. */
  poolMax: number;
  /**
   * Events visit these in a fixed shuffled order, each once per round: the k-th event of a run goes
   * to the (offset + k) mod n-th of that order. In the given order, consecutive instances often share
   * a tenant (the benches deal them out by connection), and a tenant's events commit one at a time
   * (its feed row, DESIGN): twenty in a row for one tenant measured that lock, not delivery.
   */
  instances: InjectedInstance[];
}

export interface InjectionRun {
  /** Events per second, each started at its instant whether or not the ones before have committed (open loop). */
  rate: number;
  count: number;
  offset: number;
}

/** Times are on the calling thread's `performance.now()` clock. */
export interface Injected {
  instanceId: string;
  cursor: string;
  committedAt: number;
  commitMs: number;
  lagMs: number;
}

type ToWorker = { kind: 'run'; run: InjectionRun } | { kind: 'stop' };
type FromWorker = { kind: 'ready' } | { kind: 'scheduled' } | { kind: 'done'; injected: Injected[] } | { kind: 'failed'; message: string };

export interface Injector {
  /** Injects the run's events; `onScheduled` runs once the last has been started. One run at a time. */
  run(run: InjectionRun, onScheduled?: () => void): Promise<Injected[]>;
  stop(): Promise<void>;
}

/** Starts the injector's thread, resolved once it is loaded and connected, so that a run starts on time. */
export async function startInjector(options: InjectorOptions): Promise<Injector> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  let waiting: { resolve(message: FromWorker): void; reject(error: Error): void; onScheduled?: () => void } | undefined;
  const next = (onScheduled?: () => void) => new Promise<FromWorker>((resolve, reject) => (waiting = { resolve, reject, onScheduled }));
  const fail = (error: Error) => waiting?.reject(error);
  worker.on('message', (message: FromWorker) => {
    if (message.kind === 'scheduled') return waiting?.onScheduled?.();
    if (message.kind === 'failed') return fail(new Error(`the injector failed: ${message.message}`));
    waiting?.resolve(message);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the injector's thread exited with ${code}`)));
  await next();
  return {
    async run(run, onScheduled) {
      const answer = next(onScheduled);
      worker.postMessage({ kind: 'run', run } satisfies ToWorker);
      const message = await answer;
      if (message.kind !== 'done') throw new Error(`the injector answered ${message.kind}`);
      // The worker sends times since the epoch; each thread's performance.now() counts from its own origin.
      return message.injected.map((event) => ({ ...event, committedAt: event.committedAt - performance.timeOrigin }));
    },
    async stop() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ kind: 'stop' } satisfies ToWorker);
      await exited;
    },
  };
}

/** The same order on every run and thread (a seeded Fisher–Yates shuffle with mulberry32). */
function shuffled<T>(items: readonly T[]): T[] {
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = [...items];
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  return order;
}

async function runEvents(pool: pg.Pool, notices: pg.Pool, instances: InjectedInstance[], { rate, count, offset }: InjectionRun): Promise<Injected[]> {
  const sendNotices = createLaunchNoticeSender(
    async (sql) => (await notices.query(sql)).rows,
    (error) => console.error('bench injector: sending launch notices failed', error),
  );
  const now = () => performance.timeOrigin + performance.now();
  const start = now();
  const dueAt = (k: number) => start + (k * 1000) / rate;
  const write = async (k: number): Promise<Injected> => {
    const startedAt = now();
    const instance = instances[(offset + k) % instances.length]!;
    const statement = launchEventStatement({
      instanceId: instance.id,
      operationId: instance.operationId,
      operation: RuntimeOperationKind.LAUNCH,
      phase: PHASES[(offset + k) % PHASES.length]!,
      message: `bench event ${offset + k}`,
    });
    const record = statement.recordOf((await pool.query({ name: 'record_launch_event', ...statement.pg })).rows[0]);
    const committedAt = now();
    await sendNotices();
    return { instanceId: instance.id, cursor: record.cursor, committedAt, commitMs: committedAt - startedAt, lagMs: startedAt - dueAt(k) };
  };
  const writes: Promise<Injected>[] = [];
  for (let k = 0; k < count; k++) {
    const wait = dueAt(k) - now();
    if (wait > 0) await sleep(wait);
    const written = write(k);
    // Awaited together below; until then a failure must not count as unhandled.
    written.catch(() => undefined);
    writes.push(written);
  }
  parentPort!.postMessage({ kind: 'scheduled' } satisfies FromWorker);
  return Promise.all(writes);
}

if (!isMainThread && parentPort) {
  const options = workerData as InjectorOptions;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax });
  // As the runtimes process sends them: on a connection of its own.
  const notices = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
  const order = shuffled(options.instances);
  const port = parentPort;
  // Every connection opened before the first run: a run measures commits, not connecting.
  Promise.all(Array.from({ length: options.poolMax }, () => pool.connect())).then(
    (clients) => {
      for (const client of clients) client.release();
      port.postMessage({ kind: 'ready' } satisfies FromWorker);
    },
    (error: unknown) => port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker),
  );
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'stop') {
      void Promise.all([pool.end(), notices.end()]).finally(() => port.close());
      return;
    }
    runEvents(pool, notices, order, message.run).then(
      (injected) => port.postMessage({ kind: 'done', injected } satisfies FromWorker),
      (error: unknown) => port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker),
    );
  });
}
