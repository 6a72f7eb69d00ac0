/**
 * `npm run bench:launch` (issue 6's figures), straight against the runtimes subgraph (signed as the
 * gateway signs; the gateway does not relay subscriptions yet):
 *   1. Launches: BENCH_LAUNCHES `launchRuntime` mutations at once against the Kubernetes test server,
 *      one `runtimeLaunchProgress` subscription per instance from its mutation's answer, until every
 *      instance is READY: wall time, time to READY, every event delivered once and in order (checked
 *      against the database by cursor), and the runtimes process's CPU time per launch.
 *   2. Delivery: a fresh runtimes process, BENCH_SUBSCRIBERS instances each followed by its own
 *      subscription, and events injected by this process at BENCH_RATE per second in total (open
 *      loop): commit → subscriber latency, goal p99 ≤ 50 ms.
 * Layout: this process (mutations, subscribers, injector, and the test server, whose CPU is not the
 * platform's) on the first CPU; the runtimes process on the second, where its CPU time is read. The
 * database is a fresh one on DATABASE_URL's server, or an embedded PostgreSQL pinned with the runtimes
 * process. Everything stops by itself, on success, failure, Ctrl-C, or after a deadline.
 */
import { startKubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import { mintToken } from '@addon-platform/platform';
import { waitForQuietCpus } from '../gateway/cpu-time.js';
import { createBenchDatabase } from '../gateway/database.js';
import { pinThisProcess, readAllowedCpus } from '../gateway/processes.js';
import { benchServerEnv, createRunControl } from '../gateway/run-control.js';
import { startServerProcess, SERVERS_NODE } from '../gateway/servers.js';
import { describeSettings, readLaunchBenchConfig, tenantOf } from './config.js';
import { measureDelivery } from './delivery.js';
import { measureLaunches } from './launches.js';
import { DELIVERY_GOAL_P99_MS, deliveryMet, launchesMet, printDelivery, printLaunches } from './report.js';
import { seed } from './seed.js';
import { percentile } from './stats.js';
import { progressSubscription, SubgraphClient } from './subgraph-client.js';

const REGISTER = 'mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id } }';

const config = readLaunchBenchConfig(process.env);
const cpus = readAllowedCpus();
if (cpus.length < 2) throw new Error(`bench:launch needs two CPUs (one for the load, one for the runtimes subgraph); this process may use ${cpus.join(',')}`);
const [loadCpu, serverCpu] = cpus as [number, number];
const serverCpus = [serverCpu];

const run = createRunControl('bench:launch', config.deadlineSec * 1000, 'BENCH_DEADLINE_SEC');
const track = run.track;

await run.execute(async () => {
  // An embedded PostgreSQL, started from here, inherits the runtimes process's CPU; then this process moves to its own.
  pinThisProcess(serverCpus);
  const database = track(await createBenchDatabase(process.env));
  pinThisProcess([loadCpu]);
  const dbPoolMax = process.env.DB_POOL_MAX ?? '10';
  const env = benchServerEnv(database.url, { JOB_CONCURRENCY: String(config.jobConcurrency), DB_POOL_MAX: dbPoolMax });
  const gatewaySecret = env.GATEWAY_SECRET!;
  // A folder per part: node names profiles by pid and time only.
  const profileFlags = (part: string) => (config.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${config.cpuProfileDir}/${part}`] : []);

  const deliveryInstances = config.parts.includes('delivery') ? config.subscribers : 0;
  log(`applying migrations; seeding a launchable version${deliveryInstances ? ` and ${deliveryInstances} instances to follow` : ''}`);
  // No job worker and no sync while seeding: nothing may act on the rows but the bench.
  const seeded = await seed({ ...env, JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' }, deliveryInstances, (index) => tenantOf(index, config));

  const tenants = Array.from({ length: config.tenants }, (_, index) => `bench-${index}`);
  const tokens = new Map(
    await Promise.all(tenants.map(async (tenant) => [tenant, await mintToken(env.JWT_SECRET!, { sub: `${tenant}-user`, tenant, roles: ['tenant'] }, { expiresIn: '2h' })] as const)),
  );
  const tokenOf = (tenant: string) => tokens.get(tenant)!;
  const header = [
    `${SERVERS_NODE}; this process (mutations, subscribers, injector, Kubernetes test server) on CPU ${loadCpu}; the runtimes subgraph process on CPU ${serverCpu}; ${database.description}.`,
    `Straight to the runtimes subgraph, signed as the gateway signs; tenants bench-0…bench-${config.tenants - 1}, subscriptions dealt over them by connection.`,
  ];
  const results: string[] = [];
  let allMet = true;

  if (config.parts.includes('launches')) {
    const cluster = track(await startKubernetesTestServer({ apiSecondMs: config.apiSecondMs, defaultBehaviour: { kind: 'ready', afterMs: config.podReadyMs } }));
    log(`starting the runtimes subgraph (JOB_CONCURRENCY=${config.jobConcurrency}) and registering the test server as an environment`);
    const runtimes = track(await startServerProcess('runtimes', serverCpus, env, profileFlags('launches')));
    const client = new SubgraphClient(runtimes.graphqlUrl, gatewaySecret);
    const operator = await mintToken(env.JWT_SECRET!, { sub: 'bench-operator', roles: ['operator'] }, { expiresIn: '1h' });
    const { registerEnvironment } = await client.request<{ registerEnvironment: { id: string } }>(
      REGISTER,
      { input: { name: 'bench-cluster', kind: 'SIMULATED', kubeconfig: cluster.kubeconfig(), namespacePattern: 'tenant-{tenant}', tenants: { all: true } } },
      operator,
    );
    if (!(await waitForQuietCpus(serverCpus, { timeoutMs: 30_000 }))) console.error("warning: the runtimes process's CPU is busy (another job on the machine?); the figures may be off");
    log(`launching ${config.launches} instances at once`);
    const figures = await measureLaunches({ config, runtimes, client, databaseUrl: database.url, serverCpus, versionId: seeded.versionId, environmentId: registerEnvironment.id, tokenOf });
    await runtimes.stop();
    await cluster.stop();
    console.log('');
    printLaunches(
      figures,
      describeSettings({
        BENCH_LAUNCHES: config.launches,
        JOB_CONCURRENCY: config.jobConcurrency,
        DB_POOL_MAX: dbPoolMax,
        BENCH_POD_READY_MS: config.podReadyMs,
        BENCH_API_SECOND_MS: config.apiSecondMs,
        BENCH_TENANTS: config.tenants,
        BENCH_SUBSCRIPTIONS_PER_SOCKET: config.subscriptionsPerSocket,
        BENCH_INSTANCE_FIELD: config.instanceField,
      }),
    );
    const met = launchesMet(figures);
    allMet &&= met;
    results.push(
      `launches: ${figures.launches} READY in ${(figures.wallMs / 1000).toFixed(2)} s, every event delivered once and in order: ${met ? 'YES' : 'NO'} ` +
        `(${figures.eventsDelivered} of ${figures.eventsWritten}); runtimes CPU ${(figures.runtimesCpuMs / figures.launches).toFixed(1)} ms per launch`,
    );
  }

  if (config.parts.includes('delivery')) {
    log('starting a fresh runtimes subgraph');
    const runtimes = track(await startServerProcess('runtimes', serverCpus, env, profileFlags('delivery')));
    const client = new SubgraphClient(runtimes.graphqlUrl, gatewaySecret);
    if (!(await waitForQuietCpus(serverCpus, { timeoutMs: 30_000 }))) console.error("warning: the runtimes process's CPU is busy (another job on the machine?); the figures may be off");
    const instances = seeded.deliveryInstances;
    const figures = await measureDelivery(
      {
        instances,
        subscriptions: instances.map((_, index) => index),
        subscriptionsPerSocket: config.subscriptionsPerSocket,
        openSocket: (socket) => client.openSocket(tokenOf(tenantOf(socket * config.subscriptionsPerSocket, config))),
        query: progressSubscription(config.instanceField),
        rate: config.rate,
        durationSec: config.durationSec,
        warmupEvents: instances.length,
        servers: [runtimes],
        serverCpus,
        databaseUrl: database.url,
      },
      log,
    );
    await runtimes.stop();
    console.log('');
    printDelivery(
      figures,
      describeSettings({
        BENCH_SUBSCRIBERS: config.subscribers,
        BENCH_SUBSCRIPTIONS_PER_SOCKET: config.subscriptionsPerSocket,
        BENCH_RATE: config.rate,
        BENCH_DURATION_SEC: config.durationSec,
        BENCH_TENANTS: config.tenants,
        BENCH_INSTANCE_FIELD: config.instanceField,
        DB_POOL_MAX: dbPoolMax,
        JOB_CONCURRENCY: config.jobConcurrency,
      }),
    );
    const met = deliveryMet(figures);
    allMet &&= met;
    results.push(
      `delivery: p99 ≤ ${DELIVERY_GOAL_P99_MS} ms for ${figures.subscribers} subscribers at ${config.rate} events/s: ${met ? 'MET' : 'NOT MET'} ` +
        `(p99 ${percentile(figures.latencyMs, 0.99).toFixed(1)} ms, ${figures.received} of ${figures.sent} received, ${figures.problems.length} subscription problems)`,
    );
  }

  console.log('');
  for (const line of header) console.log(line);
  for (const line of results) console.log(line);
  if (!allMet) process.exitCode = 1;
});

function log(message: string): void {
  console.error(`[bench:launch] ${message}`);
}
