import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvReader, type Env } from '@addon-platform/platform';
import { SERVER_KINDS, type ServerKind } from './server-kinds.js';

export interface BenchConfig {
  /** `BENCH_DURATION_SEC`: measured seconds per case. Default 10: enough for a stable p99 at ~1k req/s. */
  durationSec: number;
  /** `BENCH_WARMUP_SEC`: unmeasured seconds before each case, for JIT, caches and pools. Default 3. */
  warmupSec: number;
  /**
   * `BENCH_PRIME_SEC`: unmeasured seconds of each case, all cases in turn, before the first is
   * measured. Default 3: otherwise the first case meets servers whose code paths are still cold.
   */
  primeSec: number;
  /** `BENCH_CONNECTIONS`: concurrent keep-alive connections. Default 16: saturates one server CPU. */
  connections: number;
  /** `BENCH_CPU_PROF`: servers to run with `--cpu-prof`, comma-separated (e.g. `gateway,hive`). Default none. */
  cpuProfileKinds: ServerKind[];
  /** `BENCH_CPU_PROF_DIR`: where their `.cpuprofile` files go, written as they stop. Default a folder in the OS temp dir. */
  cpuProfileDir: string;
}

/** A direct request carries one signature for a whole run, warm-up included; the subgraphs accept it for 60 s. */
const MAX_RUN_SEC = 55;

export function readBenchConfig(env: Env): BenchConfig {
  const read = createEnvReader('bench:gateway', env);
  const config = {
    durationSec: read.integer('BENCH_DURATION_SEC', 10, { min: 1, max: MAX_RUN_SEC }),
    warmupSec: read.integer('BENCH_WARMUP_SEC', 3, { min: 1, max: MAX_RUN_SEC }),
    primeSec: read.integer('BENCH_PRIME_SEC', 3, { min: 0, max: MAX_RUN_SEC - 5 }),
    connections: read.integer('BENCH_CONNECTIONS', 16, { min: 1, max: 1000 }),
    cpuProfileKinds: read.string('BENCH_CPU_PROF', '').split(',').filter(Boolean) as ServerKind[],
    cpuProfileDir: read.string('BENCH_CPU_PROF_DIR', join(tmpdir(), 'bench-gateway-cpu-profiles')),
  };
  const unknownKinds = config.cpuProfileKinds.filter((kind) => !SERVER_KINDS.includes(kind));
  if (unknownKinds.length > 0) read.problem(`BENCH_CPU_PROF names unknown servers: ${unknownKinds.join(', ')}; known: ${SERVER_KINDS.join(', ')}`);
  if (config.warmupSec + config.durationSec > MAX_RUN_SEC) read.problem(`BENCH_WARMUP_SEC + BENCH_DURATION_SEC must be at most ${MAX_RUN_SEC}`);
  read.done();
  return config;
}
