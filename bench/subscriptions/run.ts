/**
 * `npm run bench:subscriptions` (issue 7's figures): launch progress delivered through the gateway,
 * and straight to the runtimes subgraph in the same run for comparison.
 *   (a) BENCH_A_SUBSCRIBERS subscriptions, each following its own instance, BENCH_A_RATE events/s in total;
 *   (b) BENCH_B_SUBSCRIBERS subscriptions of one instance, BENCH_B_RATE events/s.
 * Each case takes each path on fresh processes, one after the other: direct (the bench signs
 * `connection_init` as the gateway does), then through a gateway process in front of a runtimes
 * process. Events are injected by this process (open loop) and latency runs from the injector's commit
 * to each subscriber's receipt. The selection is runtimes-owned only (`runtimeLaunchProgress { cursor
 * operation phase message reason createdAt }`): the gateway's own cost per event, without entity
 * fetches. Goals through the gateway: p99 ≤ 250 ms, gateway memory ≤ 1.5 GiB.
 * Layout: this process (subscribers and injector) on the first CPU; the gateway and runtimes processes
 * on the second. The database is a fresh one on DATABASE_URL's server (not pinned), or an embedded
 * PostgreSQL on both CPUs (BENCH_DATABASE_CPU). Everything stops by itself, on success,
 * failure, Ctrl-C, or after a deadline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '@addon-platform/platform';
import { waitForQuietCpus } from '../gateway/cpu-time.js';
import { createBenchDatabase } from '../gateway/database.js';
import { pinThisProcess, readAllowedCpus } from '../gateway/processes.js';
import { benchServerEnv, createRunControl } from '../gateway/run-control.js';
import { startServerProcess, type ServerProcess, SERVERS_NODE } from '../gateway/servers.js';
import { describeSettings } from '../launch/config.js';
import { measureDelivery, type FollowedInstance } from '../launch/delivery.js';
import { seed } from '../launch/seed.js';
import { percentile } from '../launch/stats.js';
import { openGraphqlWs, SubgraphClient } from '../launch/subgraph-client.js';
import { composeSupergraph } from '../../scripts/supergraph.js';
import { readSubscriptionBenchConfig, type CaseId, type CaseSettings, type DeliveryPath } from './config.js';
import { readMemoryMiB } from './memory.js';
import { deliveredAll, GOAL_GATEWAY_MEMORY_MIB, GOAL_P99_MS, printCase, type PathResult } from './report.js';

const QUERY = 'subscription ($id: ID!) { runtimeLaunchProgress(instanceId: $id) { cursor operation phase message reason createdAt } }';
/** The supergraph names these for repos and addons; the selection never reaches them, so nothing listens there. */
const UNUSED_SUBGRAPH_URL = 'http://127.0.0.1:9/graphql';
/** Ten thousand subscriptions each read the database as they start: the warm-up waits for that to pass (or this long). */
const SETTLE_MS = 30_000;

const config = readSubscriptionBenchConfig(process.env);
const cpus = readAllowedCpus();
if (cpus.length < 2) throw new Error(`bench:subscriptions needs two CPUs (one for the load, one for the servers); this process may use ${cpus.join(',')}`);
const [loadCpu, serverCpu] = cpus as [number, number];
const serverCpus = [serverCpu];

const run = createRunControl('bench:subscriptions', config.deadlineSec * 1000, 'BENCH_DEADLINE_SEC');
const track = run.track;

/** Where subscriptions, connections and tenants meet: consecutive subscriptions share a connection, and connections are dealt round-robin over the tenants. */
interface CaseLayout {
  id: CaseId;
  settings: CaseSettings;
  socketOf(subscription: number): number;
  tenantOfSocket(socket: number): string;
  /** The instance (index within the case's block) each subscription follows. */
  instanceOf(subscription: number): number;
  /** Open subscriptions of the busiest tenant: the gateway's per-tenant cap must allow them. */
  busiestTenant: number;
}

function layoutOf(id: CaseId, settings: CaseSettings): CaseLayout {
  const socketOf = (subscription: number) => Math.floor(subscription / config.subscriptionsPerSocket);
  const tenantOfSocket = (socket: number) => `bench-${id}-${socket % settings.tenants}`;
  const perTenant = new Map<string, number>();
  for (let subscription = 0; subscription < settings.subscribers; subscription++) {
    const tenant = tenantOfSocket(socketOf(subscription));
    perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
  }
  // (a): the i-th subscription follows the i-th instance, so an instance's tenant is its subscriber's. (b): every one follows instance 0.
  const instanceOf = (subscription: number) => (settings.instances === 1 ? 0 : subscription);
  return { id, settings, socketOf, tenantOfSocket, instanceOf, busiestTenant: Math.max(...perTenant.values()) };
}

await run.execute(async () => {
  // An embedded PostgreSQL, started from here, inherits this process's CPU (see BENCH_DATABASE_CPU); then this process moves to its own.
  const databaseCpus = { any: cpus, load: [loadCpu], servers: serverCpus }[config.databaseCpu];
  pinThisProcess(databaseCpus);
  const database = track(
    await createBenchDatabase(process.env, { any: 'on every CPU', load: 'pinned with the subscribers and the injector', servers: 'pinned with the servers' }[config.databaseCpu]),
  );
  pinThisProcess([loadCpu]);
  // An API-only runtimes replica: no job may act on the instances, only the bench's injector writes their events.
  const env = benchServerEnv(database.url, { JOB_CONCURRENCY: '0' });

  const layouts = config.cases.map((id) => layoutOf(id, config[id]));
  // A block of instances per case and path: a path after the first would otherwise replay the first's events to its new subscriptions.
  const blocks: { layout: CaseLayout; path: DeliveryPath; from: number }[] = [];
  const tenantOfInstance: string[] = [];
  for (const layout of layouts) {
    for (const path of config.paths) {
      blocks.push({ layout, path, from: tenantOfInstance.length });
      for (let instance = 0; instance < layout.settings.instances; instance++) {
        // (b)'s one instance is the tenant of every connection; in (a) subscription i follows instance i.
        tenantOfInstance.push(layout.tenantOfSocket(layout.socketOf(instance)));
      }
    }
  }
  log(`applying migrations; seeding ${tenantOfInstance.length} instances (one block per case and path), each with a LAUNCH operation under way`);
  const seeded = await seed({ ...env, SYNC_INTERVAL_MS: '0' }, tenantOfInstance.length, (index) => tenantOfInstance[index]!);

  // One user per connection, as browsers are: the gateway then holds one upstream socket per client connection.
  const tokens = new Map<string, string>();
  const tokenOf = async (layout: CaseLayout, socket: number) => {
    const key = `${layout.id}:${socket}`;
    if (!tokens.has(key)) {
      tokens.set(key, await mintToken(env.JWT_SECRET!, { sub: `bench-${layout.id}-user-${socket}`, tenant: layout.tenantOfSocket(socket), roles: ['tenant'] }, { expiresIn: '2h' }));
    }
    return tokens.get(key)!;
  };

  const supergraphDir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-subscriptions-'));
  run.onCleanUp(() => rm(supergraphDir, { recursive: true, force: true }));
  const supergraphPath = join(supergraphDir, 'supergraph.graphql');
  // The runtimes process is new on every path: its URL reaches the gateway as SUBGRAPH_URL_RUNTIMES.
  await writeFile(supergraphPath, (await composeSupergraph({ repos: UNUSED_SUBGRAPH_URL, addons: UNUSED_SUBGRAPH_URL, runtimes: UNUSED_SUBGRAPH_URL })).supergraphSdl);

  const summary: string[] = [];
  let allMet = true;
  for (const layout of layouts) {
    const { settings } = layout;
    const gatewayCaps = { MAX_SUBSCRIPTIONS_PER_CONNECTION: config.subscriptionsPerSocket, MAX_SUBSCRIPTIONS_PER_TENANT: Math.max(500, layout.busiestTenant) };
    const results: PathResult[] = [];
    for (const path of config.paths) {
      const block = blocks.find((candidate) => candidate.layout === layout && candidate.path === path)!;
      const instances: FollowedInstance[] = seeded.deliveryInstances.slice(block.from, block.from + settings.instances);
      log(`(${layout.id}) ${path}: starting a fresh runtimes subgraph${path === 'gateway' ? ' and a gateway in front of it' : ''}`);
      // A folder per case, path and server: node names profiles by pid and time only.
      const profileFlags = (kind: string) => (config.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(config.cpuProfileDir, `${layout.id}-${path}-${kind}`)}`] : []);
      const runtimes = track(await startServerProcess('runtimes', serverCpus, env, profileFlags('runtimes')));
      const gateway: ServerProcess | undefined =
        path === 'gateway'
          ? track(
              await startServerProcess('gateway', serverCpus, {
                ...env,
                SUPERGRAPH_PATH: supergraphPath,
                SUBGRAPH_URL_RUNTIMES: runtimes.graphqlUrl.href,
                ...Object.fromEntries(Object.entries(gatewayCaps).map(([name, value]) => [name, String(value)])),
              }, profileFlags('gateway')),
            )
          : undefined;
      const direct = new SubgraphClient(runtimes.graphqlUrl, env.GATEWAY_SECRET!);
      const openSocket = async (socket: number) => {
        const token = await tokenOf(layout, socket);
        return gateway ? openGraphqlWs(gateway.graphqlUrl, () => ({ authorization: `Bearer ${token}` })) : direct.openSocket(token);
      };
      if (!(await waitForQuietCpus([loadCpu, serverCpu], { timeoutMs: 30_000 }))) console.error('warning: the CPUs are busy (another job on the machine?); the figures may be off');

      let rssAtWindowEndMiB = 0;
      let figures;
      try {
        figures = await measureDelivery(
          {
            instances,
            subscriptions: Array.from({ length: settings.subscribers }, (_, subscription) => layout.instanceOf(subscription)),
            subscriptionsPerSocket: config.subscriptionsPerSocket,
            openSocket,
            query: QUERY,
            rate: settings.rate,
            durationSec: config.durationSec,
            warmupEvents: Math.max(settings.instances, settings.rate * config.warmupSec),
            servers: gateway ? [runtimes, gateway] : [runtimes],
            serverCpus,
            databaseUrl: database.url,
            injectorPoolMax: config.injectorConnections,
            settleMs: SETTLE_MS,
            onWindowEnd: () => {
              if (gateway) rssAtWindowEndMiB = readMemoryMiB(gateway.pid).rss;
            },
          },
          log,
        );
      } catch (error) {
        // The other paths and cases still run: a failure here is one line of the report, not the loss of every figure.
        console.error(error);
        summary.push(`(${layout.id}) ${path}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
        allMet = false;
        await gateway?.stop();
        await runtimes.stop();
        continue;
      }
      // Peaks over each process's whole life, read before they stop: both were started for this path alone.
      results.push({
        path,
        figures,
        runtimesCpuMs: figures.serverCpuMs[0]!,
        gatewayCpuMs: figures.serverCpuMs[1],
        runtimesPeakMiB: readMemoryMiB(runtimes.pid).peak,
        gateway: gateway ? { rssAtWindowEndMiB, peakMiB: readMemoryMiB(gateway.pid).peak } : undefined,
      });
      await gateway?.stop();
      await runtimes.stop();
    }

    console.log('');
    printCase(
      `(${layout.id}) ${settings.subscribers} subscribers on ${settings.instances} instance${settings.instances === 1 ? '' : 's'}, ${settings.rate} events/s in total (` +
        describeSettings({
          BENCH_DURATION_SEC: config.durationSec,
          BENCH_WARMUP_SEC: config.warmupSec,
          BENCH_SUBSCRIPTIONS_PER_SOCKET: config.subscriptionsPerSocket,
          BENCH_INJECTOR_CONNECTIONS: config.injectorConnections,
          BENCH_DATABASE_CPU: process.env.DATABASE_URL ? 'unpinned' : config.databaseCpu,
          tenants: settings.tenants,
          ...gatewayCaps,
        }) +
        ')',
      results,
    );
    for (const result of results) {
      const delivered = deliveredAll(result);
      allMet &&= delivered;
      const p99 = percentile(result.figures.latencyMs, 0.99);
      let line = `(${layout.id}) ${result.path}: every delivery once and in order: ${delivered ? 'YES' : 'NO'} (${result.figures.received} of ${result.figures.expected}); p99 ${p99.toFixed(1)} ms`;
      if (result.gateway) {
        const p99Met = p99 <= GOAL_P99_MS;
        const memoryMet = result.gateway.peakMiB <= GOAL_GATEWAY_MEMORY_MIB;
        allMet &&= p99Met && memoryMet;
        line += ` ≤ ${GOAL_P99_MS} ms: ${p99Met ? 'MET' : 'NOT MET'}; gateway peak RSS ${result.gateway.peakMiB.toFixed(0)} MiB ≤ ${GOAL_GATEWAY_MEMORY_MIB} MiB: ${memoryMet ? 'MET' : 'NOT MET'}`;
      }
      summary.push(line);
    }
  }

  console.log('');
  console.log(
    `${SERVERS_NODE}; this process (subscribers, injector) on CPU ${loadCpu}; the gateway and runtimes processes on CPU ${serverCpu}; ${database.description}. ` +
      `Selection: runtimeLaunchProgress { cursor operation phase message reason createdAt } (runtimes only). One user per client connection.`,
  );
  for (const line of summary) console.log(line);
  if (!allMet) process.exitCode = 1;
});

function log(message: string): void {
  console.error(`[bench:subscriptions] ${message}`);
}
