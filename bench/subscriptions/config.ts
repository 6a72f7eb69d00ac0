import { createEnvReader, type Env } from '@addon-platform/platform';

export const CASE_IDS = ['a', 'b'] as const;
export type CaseId = (typeof CASE_IDS)[number];
export const PATHS = ['direct', 'gateway'] as const;
export type DeliveryPath = (typeof PATHS)[number];

export interface CaseSettings {
  /** Subscriptions open at once. */
  subscribers: number;
  /** Instances they follow: one each in (a), all the same one in (b). */
  instances: number;
  /** Events per second in total, spread over the instances in turn (in a shuffled order, see bench/launch/injector.ts). */
  rate: number;
  /** Tenants the instances and connections are dealt over. */
  tenants: number;
}

export interface SubscriptionBenchConfig {
  /** `BENCH_CASES`: which of issue 7's cases run, comma-separated. Default both. */
  cases: CaseId[];
  /** `BENCH_PATHS`: which paths each case takes, in this order, comma-separated. Default `direct,gateway`. */
  paths: DeliveryPath[];
  /** (a): `BENCH_A_SUBSCRIBERS` (default 10,000) subscriptions, each on its own instance, `BENCH_A_RATE` (default 1,000) events/s in total, over `BENCH_A_TENANTS` (default 20) tenants. */
  a: CaseSettings;
  /** (b): `BENCH_B_SUBSCRIBERS` (default 1,000) subscriptions of one instance, `BENCH_B_RATE` (default 10) events/s. */
  b: CaseSettings;
  /**
   * `BENCH_SUBSCRIPTIONS_PER_SOCKET`: subscriptions sharing one client connection. Default 20, the
   * gateway's own `MAX_SUBSCRIPTIONS_PER_CONNECTION` default, which the bench then sets to this.
   */
  subscriptionsPerSocket: number;
  /** `BENCH_DURATION_SEC`: measured seconds of injection per case and path. Default 30. */
  durationSec: number;
  /** `BENCH_WARMUP_SEC`: unmeasured seconds of injection before the window, at least one event per instance. Default 5. */
  warmupSec: number;
  /**
   * `BENCH_INJECTOR_CONNECTIONS`: database connections the injector commits events on at once. Default
   * 10: an event is one round trip and an fsync. More only wait on each other for the tenants' feed
   * rows, which costs the database CPU (pgbench at 1,000 events/s: 0.93 ms per event on 10, 1.14 on 40).
   */
  injectorConnections: number;
  /**
   * `BENCH_DATABASE_CPU`: where an embedded PostgreSQL runs (DATABASE_URL unset): `any` (default),
   * on both CPUs as the machine's own server does; `load`, on the first CPU with the subscribers and
   * the injector; or `servers`, with the gateway and runtimes. At 1,000 events/s the database needs
   * about a CPU: on either one alone it starves what shares it (`load`: 570 commits/s).
   */
  databaseCpu: 'any' | 'load' | 'servers';
  /** `BENCH_CPU_PROF_DIR`: when set, the gateway and runtimes processes run with `--cpu-prof`, writing their profiles under it as they stop. */
  cpuProfileDir: string | undefined;
  /** `BENCH_DEADLINE_SEC`: the whole run stops, servers and database included, after this. Default 1200. */
  deadlineSec: number;
}

export function readSubscriptionBenchConfig(env: Env): SubscriptionBenchConfig {
  const read = createEnvReader('bench:subscriptions', env);
  const list = <T extends string>(name: string, known: readonly T[]): T[] => {
    const values = read.string(name, known.join(',')).split(',').filter(Boolean) as T[];
    const unknown = values.filter((value) => !known.includes(value));
    if (values.length === 0 || unknown.length > 0) read.problem(`${name} must list some of ${known.join(', ')}, got "${values.join(',')}"`);
    return values;
  };
  const aSubscribers = read.integer('BENCH_A_SUBSCRIBERS', 10_000, { min: 1, max: 50_000 });
  const config: SubscriptionBenchConfig = {
    cases: list('BENCH_CASES', CASE_IDS),
    paths: list('BENCH_PATHS', PATHS),
    a: {
      subscribers: aSubscribers,
      instances: aSubscribers,
      rate: read.integer('BENCH_A_RATE', 1000, { min: 1, max: 5000 }),
      tenants: read.integer('BENCH_A_TENANTS', 20, { min: 1, max: 1000 }),
    },
    // One instance belongs to one tenant, and only its tenant may follow it.
    b: { subscribers: read.integer('BENCH_B_SUBSCRIBERS', 1000, { min: 1, max: 50_000 }), instances: 1, rate: read.integer('BENCH_B_RATE', 10, { min: 1, max: 5000 }), tenants: 1 },
    subscriptionsPerSocket: read.integer('BENCH_SUBSCRIPTIONS_PER_SOCKET', 20, { min: 1, max: 50_000 }),
    durationSec: read.integer('BENCH_DURATION_SEC', 30, { min: 1, max: 600 }),
    warmupSec: read.integer('BENCH_WARMUP_SEC', 5, { min: 1, max: 120 }),
    injectorConnections: read.integer('BENCH_INJECTOR_CONNECTIONS', 10, { min: 1, max: 90 }),
    databaseCpu: read.oneOf('BENCH_DATABASE_CPU', ['any', 'load', 'servers'] as const, 'any'),
    cpuProfileDir: read.optionalString('BENCH_CPU_PROF_DIR'),
    deadlineSec: read.integer('BENCH_DEADLINE_SEC', 1200, { min: 60, max: 7200 }),
  };
  read.done();
  return config;
}
