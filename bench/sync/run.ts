/**
 * Repo sync, end to end: from the mutation that asks for a sync to the run being SUCCEEDED.
 *  (a) the castai index (5,122 entries, 5,118 distinct pairs), first sync: goal ≤ 2 s;
 *  (b) an unchanged re-sync with an ETag (a 304): goal ≤ 200 ms;
 *  (c) an unchanged re-sync without an ETag (the whole index read and compared): goal ≤ 1 s;
 *  (d) a synthetic ~50 MB index (the fixtures' charts repeated under new names), first sync: the
 *      worker process's peak RSS under 512 MB.
 *
 * Topology as in production: this process runs the gateway and the repos, addons and runtimes
 * subgraphs with `JOB_CONCURRENCY=0` (API replicas), and a child process runs a second addons replica
 * with `JOB_CONCURRENCY=1`: the only worker, so its memory is the sync's own. (d) gets a fresh worker.
 * Sources are served over loopback by the fixture HTTP server. The run's row in `addons.sync_run` is
 * polled directly (every 10 ms), not through the API.
 *
 * Measured figure: `finished_at - created_at` of the run's row for (b) and (c) (`created_at` is when
 * syncRepo accepted it). A repo's first sync is queued by createRepo as a job and its row is only
 * created when the worker picks it up, so for (a) and (d) the figure is `finished_at` minus the moment
 * createRepo answered. Wall clock: from the mutation's answer to the poll seeing SUCCEEDED (the
 * commit, which comes after `finished_at` is set).
 * Phases come from the worker's statement trace (see worker-process.ts).
 *
 * `npm run bench:sync -- [runs]` (default 3); `BENCH_SYNC_TRACE=<file>` also writes the statement
 * traces. Uses a throwaway database on `DATABASE_URL`'s server, or an embedded PostgreSQL when that is
 * unset.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { mintToken, newCredentialKeys, type Env } from '@addon-platform/platform';
import { startFixtureHttpServer, type FixtureHttpServer } from '@addon-platform/sources/testing';
import { startPlatform, type RunningPlatform } from '../../scripts/platform.js';
import { createBenchDatabase } from '../gateway/database.js';
import { printTable } from '../print-table.js';
import type { BenchMessage, EpochMs, QueryEvent, WindowReport, WorkerMessage } from './protocol.js';
import { helmFixtureFile, writeSyntheticIndex } from '../synthetic-index.js';

const RUNS = Number(process.argv[2] ?? 3);
/** `BENCH_SYNC_TRACE=<file>`: also writes each run's statements (relative times, durations, sizes) as JSON. */
const TRACE_FILE = process.env.BENCH_SYNC_TRACE;
const DEADLINE_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 180_000;
const WORKER_START_TIMEOUT_MS = 60_000;
const POLL_EVERY_MS = 10;
const SYNTHETIC_BYTES = 50 * 1024 * 1024;
const CASTAI_DISTINCT_PAIRS = 5118;
const GOALS = { first: 2000, etag: 200, noEtag: 1000, rssMb: 512 };
const MB = 1024 * 1024;
const REPO_ROOT = new URL('../../', import.meta.url).pathname;
const WORKER_SCRIPT = new URL('./worker-process.ts', import.meta.url).pathname;
const now = (): EpochMs => performance.timeOrigin + performance.now();

if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 20) throw new Error(`runs must be an integer from 1 to 20, got "${process.argv[2]}"`);

/** One sync, measured. */
interface Measurement {
  label: string;
  /** The measured figure: finished_at minus accepted (see the header). */
  ms: number;
  /** The mutation's answer to the poll seeing SUCCEEDED. */
  wallMs: number;
  counts: { added: number; updated: number; unchanged: number; removed: number; rejected: number };
  phases: Phases;
  /** The phases as intervals on the clock, for memory per phase. */
  marks: Mark[];
  window: WindowReport;
}

interface Mark {
  phase: string;
  from: EpochMs;
  to: EpochMs;
}

interface Phases {
  /** Accepted → the worker's first statement of the run (job wake-up and pick-up). */
  pickup: number;
  /** Marking the run RUNNING, reading the repo's source and last ETag. */
  prepare: number;
  /** HTTP fetch + YAML parse + conversion to rows (or the 304), up to the catalog transaction. */
  read: number;
  /** Staging: temporary table and the jsonb inserts, wall time; `stageSql` of it in statements. */
  stage: number;
  stageSql: number;
  stageStatements: number;
  stageMb: number;
  /** winning_version: create as select distinct on, its index, analyze. */
  dedupe: number;
  /** The addon upsert. */
  addons: number;
  /** The version write statement (insert … on conflict, REMOVED marking, counts). */
  versions: number;
  /** The not-modified path's count of listed versions. */
  count: number;
  /** Recording SUCCEEDED, the repo's sync state, and COMMIT. */
  finish: number;
  commit: number;
  /** COMMIT's end → the poll seeing SUCCEEDED. */
  seen: number;
}

class Deadline extends Error {}
/** Set when the bench stops (done, failed or past its deadline): polling gives up. */
let aborted = false;

async function main(): Promise<void> {
  const benchStarted = now();
  const database = await createBenchDatabase(process.env);
  cleanups.push(database.stop);
  const dir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-sync-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const syntheticFile = join(dir, 'index.yaml');
  const copies = await writeSyntheticIndex(syntheticFile, SYNTHETIC_BYTES);
  const castai = helmFixtureFile('castai-helm-charts');

  const server = await startFixtureHttpServer({
    routes: {
      ...Object.fromEntries(Array.from({ length: RUNS }, (_, run) => [`/castai-etag-${run + 1}/index.yaml`, { file: castai, etag: '"castai-1"' }])),
      '/castai-plain/index.yaml': { file: castai },
      '/synthetic/index.yaml': { file: syntheticFile },
    },
  });
  cleanups.push(server.close);

  const gatewaySecret = randomBytes(32).toString('hex');
  const jwtSecret = randomBytes(32).toString('hex');
  const credentialKeys = newCredentialKeys();
  const shared: Env = { URL_ALLOW_LIST: '127.0.0.1/32', SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'warn' };
  const platform = await startPlatform({ databaseUrl: database.url, gatewaySecret, jwtSecret, credentialKeys, env: { ...shared, JOB_CONCURRENCY: '0' } });
  cleanups.push(platform.stop);
  const workerEnv: Env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: database.url,
    GATEWAY_SECRET: gatewaySecret,
    JWT_SECRET: jwtSecret,
    CREDENTIAL_KEYS: credentialKeys,
    ...shared,
    PORT: '0',
    JOB_CONCURRENCY: '1',
  };
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  cleanups.push(() => pool.end());
  const token = await mintToken(jwtSecret, { sub: 'bench', roles: ['operator'] });
  const bench = new SyncBench(platform, server, pool, token);

  console.log(`repo sync, end to end: ${RUNS} runs each of (a)-(c), 1 of (d); ${database.description}; node ${process.version}, ${availableParallelism()} CPUs\n`);

  let worker = await startWorker(workerEnv);
  const stopFirstWorker = worker.stop;
  cleanups.push(() => stopFirstWorker());

  const first: Array<Measurement & { repoId: string }> = [];
  for (let run = 1; run <= RUNS; run++) first.push(await bench.firstSync(worker, `(a) first #${run}`, `castai-etag-${run}`, `castai-${run}`));
  const etag: Measurement[] = [];
  for (let run = 1; run <= RUNS; run++) etag.push(await bench.resync(worker, `(b) ETag #${run}`, first[0]!.repoId));
  const plainFirst = await bench.firstSync(worker, '(c) setup: first', 'castai-plain', 'castai-plain');
  const noEtag: Measurement[] = [];
  for (let run = 1; run <= RUNS; run++) noEtag.push(await bench.resync(worker, `(c) no ETag #${run}`, plainFirst.repoId));
  checkCounts(first, { added: CASTAI_DISTINCT_PAIRS, updated: 0, unchanged: 0, removed: 0 });
  checkCounts([...etag, ...noEtag], { added: 0, updated: 0, unchanged: CASTAI_DISTINCT_PAIRS, removed: 0 });
  await worker.stop();

  // A fresh worker for (d): its lifetime high-water mark is then this sync's (and its start-up's).
  worker = await startWorker(workerEnv);
  const stopSecondWorker = worker.stop;
  cleanups.push(() => stopSecondWorker());
  const idleRss = worker.startupMaxRss;
  const synthetic = await bench.firstSync(worker, '(d) synthetic 50 MB', 'synthetic', 'synthetic');
  if (synthetic.counts.added === 0) throw new Error('(d) added nothing');
  await worker.stop();

  const syntheticMb = (await stat(syntheticFile)).size / MB;
  const ms = (values: number[]) => values.map((value) => value.toFixed(0));
  const timeRow = (label: string, runs: Measurement[], goalMs: number) => {
    const median = medianOf(runs.map((run) => run.ms));
    const max = Math.max(...runs.map((run) => run.ms));
    const wallMedian = medianOf(runs.map((run) => run.wallMs));
    const wallMax = Math.max(...runs.map((run) => run.wallMs));
    return [label, String(runs.length), ...ms([median, max, wallMedian, wallMax]), `≤ ${goalMs} ms`, median <= goalMs && max <= goalMs ? 'MET' : median <= goalMs ? 'MET (median; max NOT MET)' : 'NOT MET'];
  };
  const rssMb = synthetic.window.lifetimeMaxRss / MB;
  console.log('\nresults (ms: finished_at − accepted; wall: mutation answered → SUCCEEDED seen)\n');
  printTable(
    ['case', 'runs', 'median ms', 'max ms', 'wall median', 'wall max', 'goal', 'verdict'],
    [
      timeRow('(a) castai first sync', first, GOALS.first),
      timeRow('(b) unchanged re-sync, ETag', etag, GOALS.etag),
      timeRow('(c) unchanged re-sync, no ETag', noEtag, GOALS.noEtag),
      [
        `(d) synthetic ${syntheticMb.toFixed(1)} MB first sync`,
        '1',
        ...ms([synthetic.ms, synthetic.ms, synthetic.wallMs, synthetic.wallMs]),
        `worker peak RSS < ${GOALS.rssMb} MB`,
        rssMb < GOALS.rssMb ? 'MET' : 'NOT MET',
      ],
    ],
  );
  console.log(
    `\nworker peak RSS in (d): ${rssMb.toFixed(0)} MB (kernel maxRSS of the worker process over its whole life; ` +
      `${(idleRss / MB).toFixed(0)} MB once started; 50-ms samples during the sync peaked at ${(synthetic.window.peak.rss / MB).toFixed(0)} MB RSS, ` +
      `${(synthetic.window.peak.heapUsed / MB).toFixed(0)} MB JS heap used)`,
  );
  console.log(`(d): ${synthetic.counts.added} versions added from the fixtures' charts ${copies} times over, ${synthetic.counts.rejected} rejected`);

  console.log('\nwhere the time goes (ms; from the worker\'s statement trace)\n');
  printTable(
    ['run', 'total', 'wall', 'pickup', 'prepare', 'read', 'stage', '(sql)', 'dedupe', 'addons', 'versions', 'count', 'finish', '(commit)', 'seen', 'cpu'],
    [...first, ...etag, plainFirst, ...noEtag, synthetic].map((run) => [
      run.label,
      ...ms([run.ms, run.wallMs]),
      ...[run.phases.pickup, run.phases.prepare, run.phases.read, run.phases.stage, run.phases.stageSql, run.phases.dedupe, run.phases.addons, run.phases.versions, run.phases.count, run.phases.finish, run.phases.commit, run.phases.seen].map(
        (value) => (Number.isNaN(value) ? '-' : value.toFixed(0)),
      ),
      run.window.cpuMs.toFixed(0),
    ]),
  );
  console.log(
    '\npickup: accepted → the worker\'s first statement of the run; prepare: RUNNING, repo source, last ETag; read: until the first staging statement (the request, or the 304);' +
      '\nstage: the source streamed chart by chart into the temporary table (sql: time inside the inserts; the rest is reading and parsing the source); dedupe: winning_version + index + analyze;' +
      '\naddons / versions: the two write statements; count: the 304 path\'s count; finish: SUCCEEDED, sync state, COMMIT; seen: COMMIT answered → poll saw it (below 0: the poll saw the commit before the worker\'s busy event loop took the answer); cpu: worker CPU ms in the window',
  );
  const stagedMb = [...first, synthetic].map((run) => `${run.label}: ${run.phases.stageStatements} inserts, ${run.phases.stageMb.toFixed(1)} MB of SQL text`);
  console.log(`staging: ${stagedMb.join('; ')}`);

  console.log('\nworker memory per run (MB; 50-ms samples)\n');
  printTable(
    ['run', 'RSS before', 'peak RSS', 'peak heap used', 'peak external', 'worker maxRSS so far', 'longest event-loop stall ms'],
    [...first, ...etag, plainFirst, ...noEtag, synthetic].map((run) => [
      run.label,
      run.window.before ? (run.window.before.rss / MB).toFixed(0) : '-',
      (run.window.peak.rss / MB).toFixed(0),
      (run.window.peak.heapUsed / MB).toFixed(0),
      (run.window.peak.external / MB).toFixed(0),
      (run.window.lifetimeMaxRss / MB).toFixed(0),
      longestStall(run.window.timeline).toFixed(0),
    ]),
  );
  console.log('\n(d) worker memory per phase (MB; 50-ms samples, taken only when the event loop is free)\n');
  printTable(
    ['phase', 'ms', 'peak RSS', 'peak heap used', 'RSS at end'],
    synthetic.marks.map(({ phase, from, to }) => {
      const inPhase = synthetic.window.timeline.filter((sample) => sample.at >= from && sample.at <= to);
      const atEnd = synthetic.window.timeline.filter((sample) => sample.at <= to).at(-1);
      const peak = (key: 'rss' | 'heapUsed') => (inPhase.length ? (Math.max(...inPhase.map((sample) => sample[key])) / MB).toFixed(0) : '-');
      return [phase, (to - from).toFixed(0), peak('rss'), peak('heapUsed'), atEnd ? (atEnd.rss / MB).toFixed(0) : '-'];
    }),
  );
  if (TRACE_FILE) {
    const traces = [...first, ...etag, plainFirst, ...noEtag, synthetic].map((run) => ({
      run: run.label,
      statements: run.window.queries.map((query) => ({
        startMs: Number((query.start - run.window.queries[0]!.start).toFixed(2)),
        ms: Number((query.end - query.start).toFixed(2)),
        chars: query.chars,
        sql: query.sql.slice(0, 100),
      })),
    }));
    await writeFile(TRACE_FILE, JSON.stringify(traces, null, 1));
    console.log(`\nstatement traces written to ${TRACE_FILE}`);
  }
  console.log(`\nbench took ${((now() - benchStarted) / 1000).toFixed(1)} s`);
}

class SyncBench {
  constructor(
    private readonly platform: RunningPlatform,
    private readonly server: FixtureHttpServer,
    private readonly pool: pg.Pool,
    private readonly token: string,
  ) {}

  /** Creates a repo on `route`, which queues its first sync; measured from createRepo's answer. */
  async firstSync(worker: SyncWorker, label: string, route: string, name: string): Promise<Measurement & { repoId: string }> {
    const sent = now();
    const data = await this.graphql<{ createRepo: { id: string } }>('mutation ($input: CreateRepoInput!) { createRepo(input: $input) { id } }', {
      input: { name, type: 'HELM', url: `${this.server.url}/${route}`, visibility: 'PUBLIC' },
    });
    const accepted = now();
    const repoId = data.createRepo.id;
    const row = await this.finished(worker, label, 'repo_id = $1', repoId);
    return { repoId, ...(await this.measure(worker, label, row, { sent, accepted, answered: accepted })) };
  }

  /** Asks syncRepo for another run of `repoId`; measured from the run's created_at. */
  async resync(worker: SyncWorker, label: string, repoId: string): Promise<Measurement> {
    const sent = now();
    const data = await this.graphql<{ syncRepo: { id: string; status: string } }>('mutation ($id: ID!) { syncRepo(repoId: $id) { id status } }', { id: repoId });
    const answered = now();
    if (data.syncRepo.status !== 'PENDING') throw new Error(`${label}: syncRepo answered a ${data.syncRepo.status} run; another sync was under way`);
    const row = await this.finished(worker, label, 'id = $1', data.syncRepo.id);
    return this.measure(worker, label, row, { sent, accepted: row.created_ms, answered });
  }

  /** `sent`: the mutation went out; `accepted`: where the measured figure starts; `answered`: its answer came back. */
  private async measure(worker: SyncWorker, label: string, row: RunRow, { sent, accepted, answered }: { sent: EpochMs; accepted: EpochMs; answered: EpochMs }): Promise<Measurement> {
    // From the request on: a job may be picked up before the mutation's answer arrives. The poll can see
    // the commit before the worker's event loop has taken PostgreSQL's answer to it: ask again until it has.
    let window = await worker.report(Math.min(sent, row.created_ms) - 1, row.seen);
    for (let retry = 0; retry < 100 && !commitAnswered(window.queries); retry++) {
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
      window = await worker.report(Math.min(sent, row.created_ms) - 1, row.seen);
    }
    const { phases, marks } = phasesOf(label, window.queries, accepted, row.seen);
    const measurement: Measurement = {
      label,
      ms: row.finished_ms - accepted,
      wallMs: row.seen - answered,
      counts: { added: row.added, updated: row.updated, unchanged: row.unchanged, removed: row.removed, rejected: row.rejected },
      phases,
      marks,
      window,
    };
    const { counts } = measurement;
    console.log(
      `${label}: ${measurement.ms.toFixed(0)} ms (wall ${measurement.wallMs.toFixed(0)} ms), added ${counts.added}, updated ${counts.updated}, ` +
        `unchanged ${counts.unchanged}, removed ${counts.removed}, rejected ${counts.rejected}; worker peak RSS ${(window.peak.rss / MB).toFixed(0)} MB`,
    );
    return measurement;
  }

  /** Polls the run's row until it is SUCCEEDED (or FAILED: an error). */
  private async finished(worker: SyncWorker, label: string, where: string, key: string): Promise<RunRow & { seen: EpochMs }> {
    const until = now() + RUN_TIMEOUT_MS;
    for (;;) {
      if (aborted) throw new Error(`${label}: the bench stopped`);
      if (!worker.alive()) throw new Error(`${label}: the worker process exited during the run`);
      const { rows } = await this.pool.query<RunRow>(
        `select id, status, failure, added, updated, unchanged, removed, rejected,
                extract(epoch from created_at)::float8 * 1000 as created_ms,
                extract(epoch from started_at)::float8 * 1000 as started_ms,
                extract(epoch from finished_at)::float8 * 1000 as finished_ms
           from addons.sync_run where ${where} order by created_at desc limit 1`,
        [key],
      );
      const seen = now();
      const row = rows[0];
      if (row?.status === 'SUCCEEDED') return { ...row, seen };
      if (row?.status === 'FAILED') throw new Error(`${label}: the run FAILED: ${row.failure}`);
      if (seen > until) throw new Error(`${label}: no finished run within ${RUN_TIMEOUT_MS / 1000} s (last status: ${row?.status ?? 'no run yet'})`);
      await new Promise((resolveSleep) => setTimeout(resolveSleep, POLL_EVERY_MS));
    }
  }

  private async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(this.platform.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: T; errors?: unknown[] };
    if (result.errors || !result.data) throw new Error(`GraphQL failed (HTTP ${response.status}): ${JSON.stringify(result.errors)}`);
    return result.data;
  }
}

interface RunRow {
  id: string;
  status: string;
  failure: string | null;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: number;
  created_ms: number;
  started_ms: number;
  finished_ms: number;
  seen: EpochMs;
}

const SYNC_STATE_WRITE = /^insert into addons\.repo_sync_state/i;

/** Whether the trace holds PostgreSQL's answer to the COMMIT that follows the sync state write. */
function commitAnswered(queries: QueryEvent[]): boolean {
  const remember = queries.find((query) => SYNC_STATE_WRITE.test(query.sql));
  const commit = remember && queries.find((query) => query.start >= remember.end && /^commit/i.test(query.sql));
  return Boolean(commit && commit.end > 0);
}

/** Places the sync's statements on the clock; phases a run did not have are NaN. */
function phasesOf(label: string, queries: QueryEvent[], accepted: EpochMs, seen: EpochMs): { phases: Phases; marks: Mark[] } {
  const find = (pattern: RegExp, after = 0) => queries.find((query) => query.start >= after && pattern.test(query.sql));
  const all = (pattern: RegExp) => queries.filter((query) => pattern.test(query.sql));
  const span = (events: QueryEvent[]) => (events.length ? events.at(-1)!.end - events[0]!.start : Number.NaN);
  const sum = (events: QueryEvent[]) => events.reduce((total, query) => total + (query.end - query.start), 0);

  const startRun = find(/from "addons"\."sync_run" .*for update/i);
  const lastEtag = find(/^select etag from addons\.repo_sync_state/i);
  const staged = all(/^(create temporary table incoming_version|insert into incoming_version)/i);
  const inserts = staged.filter((query) => /^insert/i.test(query.sql));
  const dedupe = all(/^(create temporary table winning_version|create unique index on winning_version|analyze winning_version)/i);
  const addons = find(/^insert into addons\.addon \(/i);
  const versions = find(/^with listed as/i);
  const count = find(/^select count\(\*\)::int as count from addons\.addon_version/i);
  const succeed = find(/^update "addons"\."sync_run" set .*"status"/i, lastEtag?.end);
  const remember = find(SYNC_STATE_WRITE);
  const commit = remember && find(/^commit/i, remember.end);
  if (!startRun || !lastEtag || !succeed || !remember || !commit) {
    const seenSql = [...new Set(queries.map((query) => query.sql.slice(0, 60)))].join('\n  ');
    throw new Error(`${label}: the statement trace lacks the sync's statements; saw:\n  ${seenSql}`);
  }
  const firstWrite = staged[0] ?? count;
  if (!firstWrite) throw new Error(`${label}: the statement trace has neither staging nor the not-modified count`);
  const mark = (phase: string, from: EpochMs | undefined, to: EpochMs | undefined) => (from !== undefined && to !== undefined ? [{ phase, from, to }] : []);
  const marks: Mark[] = [
    ...mark('pickup + prepare', accepted, lastEtag.end),
    ...mark('read', lastEtag.end, firstWrite.start),
    ...mark('stage', staged[0]?.start, staged.at(-1)?.end),
    ...mark('dedupe', dedupe[0]?.start, dedupe.at(-1)?.end),
    ...mark('addons', addons?.start, addons?.end),
    ...mark('versions', versions?.start, versions?.end),
    ...mark('count', count?.start, count?.end),
    ...mark('finish', succeed.start, commit.end),
  ];
  const phases: Phases = {
    pickup: startRun.start - accepted,
    prepare: lastEtag.end - startRun.start,
    read: firstWrite.start - lastEtag.end,
    stage: span(staged),
    stageSql: staged.length ? sum(staged) : Number.NaN,
    stageStatements: inserts.length,
    stageMb: inserts.reduce((total, query) => total + query.chars, 0) / MB,
    dedupe: span(dedupe),
    addons: addons ? addons.end - addons.start : Number.NaN,
    versions: versions ? versions.end - versions.start : Number.NaN,
    count: count ? count.end - count.start : Number.NaN,
    finish: commit.end - succeed.start,
    commit: commit.end - commit.start,
    seen: seen - commit.end,
  };
  return { phases, marks };
}

function checkCounts(runs: Measurement[], expected: Omit<Measurement['counts'], 'rejected'>): void {
  for (const run of runs) {
    for (const [key, value] of Object.entries(expected)) {
      const actual = run.counts[key as keyof typeof expected];
      if (actual !== value) throw new Error(`${run.label}: expected ${key} ${value}, got ${actual}`);
    }
  }
}

/** The longest time the 50 ms sampler waited past its due time: how long the event loop was held. */
function longestStall(timeline: WindowReport['timeline']): number {
  let longest = 0;
  for (let index = 1; index < timeline.length; index++) longest = Math.max(longest, timeline[index]!.at - timeline[index - 1]!.at - 50);
  return longest;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface SyncWorker {
  pid: number;
  /** The worker's maxRSS once started, before any sync. */
  startupMaxRss: number;
  /** False once the process has exited (a crash, an out-of-memory kill). */
  alive(): boolean;
  report(from: EpochMs, to: EpochMs): Promise<WindowReport>;
  stop(): Promise<void>;
}

/** Starts `worker-process.ts` with `env` and resolves once its addons replica listens. */
async function startWorker(env: Env): Promise<SyncWorker> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, WORKER_SCRIPT], {
    cwd: REPO_ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const pending = new Map<number, (report: WindowReport) => void>();
  let nextId = 0;
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'window') pending.get(message.id)?.(message.report);
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    })());
  try {
    const ready = await new Promise<Extract<WorkerMessage, { type: 'ready' }>>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`the worker did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`)), WORKER_START_TIMEOUT_MS);
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolveReady(message);
        if (message.type === 'failed') reject(new Error(`the worker failed to start:\n${message.message}`));
        if (message.type !== 'window') clearTimeout(timer);
      });
      void exited.then(() => reject(new Error(`the worker exited while starting (code ${child.exitCode})`)));
    });
    return {
      pid: ready.pid,
      startupMaxRss: ready.startupMaxRss,
      alive: () => child.exitCode === null && child.signalCode === null,
      stop,
      report: (from, to) =>
        new Promise((resolveReport, reject) => {
          const id = nextId++;
          const timer = setTimeout(() => reject(new Error('the worker did not answer a report request')), 10_000);
          pending.set(id, (report) => {
            clearTimeout(timer);
            pending.delete(id);
            resolveReport(report);
          });
          child.send({ type: 'window', id, from, to } satisfies BenchMessage);
        }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Last: the classes above are not hoisted.
const cleanups: Array<() => Promise<void>> = [];
const work = main();
let deadlineTimer: NodeJS.Timeout | undefined;
const deadline = new Promise<never>((_, reject) => {
  deadlineTimer = setTimeout(() => reject(new Deadline(`the bench passed its deadline of ${DEADLINE_MS / 60_000} minutes`)), DEADLINE_MS);
});
let exitCode = 0;
try {
  await Promise.race([work, deadline]);
} catch (error) {
  exitCode = 1;
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
} finally {
  aborted = true;
  clearTimeout(deadlineTimer);
  // Whatever cleanup cannot finish in a minute is left to the exit.
  setTimeout(() => process.exit(exitCode || 1), 60_000).unref();
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
}
process.exit(exitCode);
