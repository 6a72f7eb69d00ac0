import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvReader, type Env } from '@addon-platform/platform';
import { SERVER_KINDS, type ServerKind } from '../gateway/server-kinds.js';

/**
 * Where the processes run on the machine's CPUs (the first two this process may use):
 * - `shared`: the load generator pinned to the first; the servers and the database on both, scheduled
 *   by the kernel, as a two-core host would run them. On a two-core machine this is the only layout
 *   that lets the gateway, the subgraph and PostgreSQL work at once, as they do on separate hosts.
 * - `split`: the load generator alone on the first; every server and the database on the second.
 *   Stricter: one core serves everything, and per-request CPU is easiest to read.
 */
export type BenchLayout = 'shared' | 'split';

export interface CatalogBenchConfig {
  /** `BENCH_LAYOUT`: `shared` (default) or `split`, see {@link BenchLayout}. */
  layout: BenchLayout;
  /** `BENCH_RATE`: requests per second, sent on schedule (open loop). Default 200. */
  rate: number;
  /**
   * `BENCH_WARMUP_SEC`: unmeasured seconds of the same load before each window, for JIT, pools and caches.
   * Default 30, so the window sees the services as they run in production, warm: after 5 s (1,000
   * requests) the addons subgraph still spent 1.6–1.9 ms of CPU per request, after 30 s 1.1–1.2 ms.
   */
  warmupSec: number;
  /** `BENCH_DURATION_SEC`: measured seconds per case. Default 20: 4,000 requests, 40 of them above the p99. */
  durationSec: number;
  /** `BENCH_TIMEOUT_MS`: a request unanswered this long after its scheduled instant is a timeout. Default 5000. */
  timeoutMs: number;
  /** `BENCH_REPOS`, `BENCH_ADDONS`, `BENCH_VERSIONS_PER_ADDON`: the catalog's size. Defaults 300, 10,000 and 10. */
  repos: number;
  addons: number;
  versionsPerAddon: number;
  /** `BENCH_EXPLAIN`: print the query plans of the subgraph's SQL even when both goals are met. Default false. */
  explain: boolean;
  /** `BENCH_CPU_PROF`: servers to run with `--cpu-prof`, comma-separated (e.g. `addons,gateway`). Default none. */
  cpuProfileKinds: ServerKind[];
  /** `BENCH_CPU_PROF_DIR`: where their `.cpuprofile` files go (a folder per server), written as they stop. Default a folder in the OS temp dir. */
  cpuProfileDir: string;
  /**
   * `BENCH_TRACE_GC`: servers to run with `--trace-gc`, comma-separated; their lines go to this run's
   * output. Default none. A full collection every few seconds under load is what ADRs 019 and 020 chased.
   */
  traceGcKinds: ServerKind[];
  /** `BENCH_DEADLINE_SEC`: the whole run stops, servers and database included, after this. Default 900. */
  deadlineSec: number;
}

/** A direct request carries one gateway signature for its whole run, warm-up included; the subgraphs accept it for 60 s. */
const MAX_RUN_SEC = 55;

export function readCatalogBenchConfig(env: Env): CatalogBenchConfig {
  const read = createEnvReader('bench:catalog', env);
  const config: CatalogBenchConfig = {
    layout: read.string('BENCH_LAYOUT', 'shared') as BenchLayout,
    rate: read.integer('BENCH_RATE', 200, { min: 1, max: 5000 }),
    warmupSec: read.integer('BENCH_WARMUP_SEC', 30, { min: 1, max: MAX_RUN_SEC }),
    durationSec: read.integer('BENCH_DURATION_SEC', 20, { min: 1, max: MAX_RUN_SEC }),
    timeoutMs: read.integer('BENCH_TIMEOUT_MS', 5000, { min: 100, max: 30_000 }),
    repos: read.integer('BENCH_REPOS', 300, { min: 20, max: 100_000 }),
    addons: read.integer('BENCH_ADDONS', 10_000, { min: 100, max: 1_000_000 }),
    versionsPerAddon: read.integer('BENCH_VERSIONS_PER_ADDON', 10, { min: 1, max: 10 }),
    explain: read.boolean('BENCH_EXPLAIN', false),
    cpuProfileKinds: read.string('BENCH_CPU_PROF', '').split(',').filter(Boolean) as ServerKind[],
    cpuProfileDir: read.string('BENCH_CPU_PROF_DIR', join(tmpdir(), 'bench-catalog-cpu-profiles')),
    traceGcKinds: read.string('BENCH_TRACE_GC', '').split(',').filter(Boolean) as ServerKind[],
    deadlineSec: read.integer('BENCH_DEADLINE_SEC', 900, { min: 60, max: 7200 }),
  };
  if (config.layout !== 'shared' && config.layout !== 'split') read.problem(`BENCH_LAYOUT must be shared or split, not ${config.layout}`);
  for (const [name, kinds] of [['BENCH_CPU_PROF', config.cpuProfileKinds], ['BENCH_TRACE_GC', config.traceGcKinds]] as const) {
    const unknownKinds = kinds.filter((kind) => !SERVER_KINDS.includes(kind));
    if (unknownKinds.length > 0) read.problem(`${name} names unknown servers: ${unknownKinds.join(', ')}; known: ${SERVER_KINDS.join(', ')}`);
  }
  if (config.warmupSec + config.durationSec > MAX_RUN_SEC) read.problem(`BENCH_WARMUP_SEC + BENCH_DURATION_SEC must be at most ${MAX_RUN_SEC}`);
  read.done();
  return config;
}
