import { createEnvReader, type Env } from '@addon-platform/platform';

export const BENCH_PARTS = ['launches', 'delivery'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface LaunchBenchConfig {
  /** `BENCH_PARTS`: which parts run, comma-separated. Default both. */
  parts: BenchPart[];
  /** `BENCH_LAUNCHES`: `launchRuntime` mutations fired at once. Default 200. */
  launches: number;
  /** `JOB_CONCURRENCY`: operation jobs the runtimes process runs at once (its own default is 20). */
  jobConcurrency: number;
  /** `BENCH_POD_READY_MS`: how long the test server's pods take to become Ready. Default 20 (its default). */
  podReadyMs: number;
  /**
   * `BENCH_API_SECOND_MS`: real ms per second of the test server's clocks. Default 1000 (real time):
   * its own default of 1 turns the Deployments' 600 s progress deadline into 600 ms, which a loaded
   * launch could overrun without anything being wrong.
   */
  apiSecondMs: number;
  /** `BENCH_TENANTS`: instances are spread over this many tenants (each its own namespace and change feed). Default 10. */
  tenants: number;
  /** `BENCH_SUBSCRIBERS`: instances followed, one subscription each, in the delivery part. Default 1000. */
  subscribers: number;
  /** `BENCH_SUBSCRIPTIONS_PER_SOCKET`: subscriptions sharing one graphql-ws connection, in both parts. Default 1 (a socket each). */
  subscriptionsPerSocket: number;
  /** `BENCH_RATE`: events injected per second in total, on schedule (open loop). Default 200. */
  rate: number;
  /** `BENCH_DURATION_SEC`: measured seconds of injection, after a warm-up of one event per instance at the same rate. Default 30. */
  durationSec: number;
  /** `BENCH_INSTANCE_FIELD`: subscriptions also select `instance { id status }`, one more read per event, as a console would. Default true. */
  instanceField: boolean;
  /** `BENCH_CPU_PROF_DIR`: when set, each runtimes process runs with `--cpu-prof` and writes its profile there as it stops. */
  cpuProfileDir: string | undefined;
  /** `BENCH_DEADLINE_SEC`: the whole run stops, servers, test server and database included, after this. Default 600. */
  deadlineSec: number;
}

export function readLaunchBenchConfig(env: Env): LaunchBenchConfig {
  const read = createEnvReader('bench:launch', env);
  const parts = read.string('BENCH_PARTS', BENCH_PARTS.join(',')).split(',').filter(Boolean) as BenchPart[];
  const config: LaunchBenchConfig = {
    parts,
    launches: read.integer('BENCH_LAUNCHES', 200, { min: 1, max: 5000 }),
    jobConcurrency: read.integer('JOB_CONCURRENCY', 20, { min: 1, max: 100 }),
    podReadyMs: read.integer('BENCH_POD_READY_MS', 20, { min: 0, max: 60_000 }),
    apiSecondMs: read.integer('BENCH_API_SECOND_MS', 1000, { min: 1, max: 1000 }),
    tenants: read.integer('BENCH_TENANTS', 10, { min: 1, max: 1000 }),
    subscribers: read.integer('BENCH_SUBSCRIBERS', 1000, { min: 1, max: 20_000 }),
    subscriptionsPerSocket: read.integer('BENCH_SUBSCRIPTIONS_PER_SOCKET', 1, { min: 1, max: 20_000 }),
    rate: read.integer('BENCH_RATE', 200, { min: 1, max: 5000 }),
    durationSec: read.integer('BENCH_DURATION_SEC', 30, { min: 1, max: 600 }),
    instanceField: read.boolean('BENCH_INSTANCE_FIELD', true),
    cpuProfileDir: read.optionalString('BENCH_CPU_PROF_DIR'),
    deadlineSec: read.integer('BENCH_DEADLINE_SEC', 600, { min: 60, max: 7200 }),
  };
  const unknownParts = parts.filter((part) => !BENCH_PARTS.includes(part));
  if (parts.length === 0 || unknownParts.length > 0) read.problem(`BENCH_PARTS must list some of ${BENCH_PARTS.join(', ')}, got "${parts.join(',')}"`);
  read.done();
  return config;
}

/** The graphql-ws connection of the i-th subscription of a part: consecutive subscriptions share one. */
export const socketOf = (index: number, config: Pick<LaunchBenchConfig, 'subscriptionsPerSocket'>) => Math.floor(index / config.subscriptionsPerSocket);

/** The tenant of the i-th instance of a part: a connection carries one user's token, so its subscriptions are of one tenant; connections are dealt round-robin over the tenants. */
export const tenantOf = (index: number, config: Pick<LaunchBenchConfig, 'subscriptionsPerSocket' | 'tenants'>) => `bench-${socketOf(index, config) % config.tenants}`;

/** The settings of a part as `NAME=value` words, printed with its figures. */
export function describeSettings(settings: Record<string, string | number | boolean>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}
