/**
 * `npm run bench:catalog`: a tenant's catalog search on a catalog of 10,000 addons and 100,000
 * versions, `addons(filter: {search: "grafana"}, first: 20) { totalCount edges { node { name
 * latestVersion { version } } } }`, at a fixed rate (200 req/s, open loop: every request leaves at its
 * scheduled instant and its latency runs from that instant), measured
 *   1. straight to the addons subgraph, signed as the gateway signs: goal p99 ≤ 20 ms;
 *   2. through the gateway: goal p99 ≤ 50 ms.
 * Servers run in processes of their own (bench/gateway's); by default they and the embedded database
 * share both CPUs while the load generator is pinned to the first (BENCH_LAYOUT, see config.ts). The
 * catalog is seeded set-based in SQL after the subgraphs have applied their migrations, and every
 * case's answer is verified before anything is measured.
 * Afterwards the subgraph's SQL for the query is captured and explained. Everything stops by itself,
 * on success, failure, Ctrl-C, or after a deadline. Settings: see config.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mintToken, type Env, type Viewer } from '@addon-platform/platform';
import { directCase, gatewayCase, verifyCases } from '../gateway/cases.js';
import { waitForQuietCpus } from '../gateway/cpu-time.js';
import { createBenchDatabase } from '../gateway/database.js';
import { benchServerEnv, createRunControl } from '../gateway/run-control.js';
import { pinThisProcess, readAllowedCpus } from '../gateway/processes.js';
import type { ServerKind } from '../gateway/server-kinds.js';
import { startServerProcess, type ServerProcess, SERVERS_NODE } from '../gateway/servers.js';
import { composeSupergraph } from '../../scripts/supergraph.js';
import { readCatalogBenchConfig } from './config.js';
import { startOpenLoopGenerator } from './load-generator.js';
import { measureCase, type CaseResult, type CatalogCase } from './measure.js';
import { createCatalogSearchQuery, PAGE_SIZE } from './query.js';
import { isMet, printBreakdown, printResults, printSqlProfile } from './report.js';
import { BENCH_TENANT, readCatalogFacts, seedCatalog } from './seed.js';
import { profileSubgraphSql } from './sql-profile.js';

const SUBGRAPH_GOAL_MS = 20;
const GATEWAY_GOAL_MS = 50;

const config = readCatalogBenchConfig(process.env);
const cpus = readAllowedCpus();
if (cpus.length < 2) throw new Error(`bench:catalog needs two CPUs (one for the load, one for the servers); this process may use ${cpus.join(',')}`);
const [loadCpu, secondCpu] = cpus as [number, number];
const serverCpus = config.layout === 'split' ? [secondCpu] : [loadCpu, secondCpu];

const run = createRunControl('bench:catalog', config.deadlineSec * 1000, 'BENCH_DEADLINE_SEC');
const track = run.track;

await run.execute(async () => {
  // The embedded PostgreSQL, started from here, inherits the servers' CPUs.
  pinThisProcess(serverCpus);
  const database = track(await createBenchDatabase(process.env));
  // No job worker and no sync schedule: nothing but the bench's requests runs on the servers.
  const env = benchServerEnv(database.url, { JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' });
  const gatewaySecret = env.GATEWAY_SECRET!;
  const jwtSecret = env.JWT_SECRET!;

  log('starting the subgraphs (each applies its migrations)');
  // A folder per server: node writes one profile per thread (the loader hooks run in a thread of their own).
  const nodeFlagsFor = (kind: ServerKind) => [
    ...(config.cpuProfileKinds.includes(kind) ? ['--cpu-prof', `--cpu-prof-dir=${join(config.cpuProfileDir, kind)}`] : []),
    ...(config.traceGcKinds.includes(kind) ? ['--trace-gc'] : []),
  ];
  const startServer = async (kind: ServerKind, serverEnv: Env) => track(await startServerProcess(kind, serverCpus, serverEnv, nodeFlagsFor(kind)));
  // One at a time, repos first: its migration publishes the views the others read.
  const repos = await startServer('repos', env);
  const addons = await startServer('addons', env);
  const runtimes = await startServer('runtimes', env);

  log(`seeding ${config.repos} repos, ${config.addons} addons, ${config.addons * config.versionsPerAddon} versions`);
  const seedStarted = performance.now();
  await seedCatalog(database.url, config);
  const facts = await readCatalogFacts(database.url, PAGE_SIZE);
  log(`seeded and analysed in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
  if (facts.grafanaAddonsVisible < PAGE_SIZE) throw new Error(`only ${facts.grafanaAddonsVisible} addons match for the tenant; the page would not be full`);

  log('composing the supergraph and starting the gateway');
  const supergraphDir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-catalog-'));
  run.onCleanUp(() => rm(supergraphDir, { recursive: true, force: true }));
  const supergraphPath = join(supergraphDir, 'supergraph.graphql');
  await writeFile(supergraphPath, (await composeSupergraph({ repos: repos.graphqlUrl.href, addons: addons.graphqlUrl.href, runtimes: runtimes.graphqlUrl.href })).supergraphSdl);
  const gateway = await startServer('gateway', { ...env, SUPERGRAPH_PATH: supergraphPath });
  const servers: ServerProcess[] = [repos, addons, runtimes, gateway];
  const load = track(await startOpenLoopGenerator(loadCpu, { PATH: process.env.PATH, HOME: process.env.HOME }));

  const viewer: Viewer = { sub: BENCH_TENANT.sub, tenant: BENCH_TENANT.tenant, roles: ['tenant'] };
  const authorization = `Bearer ${await mintToken(jwtSecret, { sub: BENCH_TENANT.sub, tenant: BENCH_TENANT.tenant, roles: ['tenant'] }, { expiresIn: '1h' })}`;
  const query = createCatalogSearchQuery(facts);
  // bench/gateway's case ids name its own report lines; here they only key the verified bodies.
  const cases: CatalogCase[] = [
    {
      benchCase: directCase({ id: 'a-direct', label: 'addons subgraph, direct (signed)', query }, addons, { authorization, gatewaySecret }),
      goalP99Ms: SUBGRAPH_GOAL_MS,
      path: [addons],
    },
    {
      benchCase: gatewayCase({ id: 'a-ours', label: 'through the gateway', query }, gateway, authorization),
      goalP99Ms: GATEWAY_GOAL_MS,
      path: [gateway, addons],
    },
  ];
  log('verifying that both cases answer the seeded data, without errors');
  const bodies = await verifyCases(cases.map(({ benchCase }) => benchCase));

  const results: CaseResult[] = [];
  for (const catalogCase of cases) {
    log(`measuring ${catalogCase.benchCase.label}: ${config.warmupSec} s warm-up + ${config.durationSec} s at ${config.rate} req/s`);
    results.push(await measureCase(catalogCase, { config, load, servers, loadCpu, serverCpus }, bodies.get(catalogCase.benchCase.id)!));
  }

  const allMet = results.every((result) => isMet(result, config));
  console.log('');
  console.log(`Catalog benchmark: ${query.name}`);
  console.log(
    `as a tenant (roles [tenant], tenant "${BENCH_TENANT.tenant}"); open loop at ${config.rate} req/s, latency from each request's scheduled send time; ` +
      `per case ${config.warmupSec} s warm-up + ${config.durationSec} s measured.`,
  );
  console.log(
    `Layout ${config.layout} (BENCH_LAYOUT): load generator on CPU ${loadCpu}; the servers (repos, addons, runtimes, gateway) and the embedded database on CPU ${serverCpus.join(' and ')}` +
      `${config.layout === 'shared' ? ', scheduled by the kernel' : ''}; ${database.description}. ${SERVERS_NODE}.`,
  );
  console.log(
    `Catalog: ${Object.values(facts.repos).reduce((sum, count) => sum + count, 0)} repos (${describe(facts.repos)}), ${facts.visibleRepos} visible to the tenant; ` +
      `${facts.addons} addons; ${Object.values(facts.versions).reduce((sum, count) => sum + count, 0)} versions (${describe(facts.versions)}).`,
  );
  console.log(`"grafana" matches ${facts.grafanaAddons} addons, ${facts.grafanaAddonsVisible} of them in repos the tenant sees (the expected totalCount).\n`);
  printResults(results, config);
  console.log('');
  printBreakdown(results);
  console.log('');
  // The servers go first: one that fell behind would still be working through requests the load
  // generator abandoned, on the CPU the profile runs on. (Stopping again at cleanup is a no-op.)
  log("stopping the servers; capturing and explaining the subgraph's SQL");
  await load.stop();
  for (const server of [...servers].reverse()) await server.stop();
  if (!(await waitForQuietCpus(serverCpus, { timeoutMs: 30_000 }))) console.error("warning: the servers' CPUs are busy (another job on the machine?); the SQL timings below may be off");
  // A diagnosis: its failure leaves the measurements above standing.
  await profileSubgraphSql(env, viewer, JSON.parse(query.body).query).then(
    (profile) => printSqlProfile(profile, config.explain || !allMet),
    (error: unknown) => console.error('profiling the SQL failed:', error),
  );
  if (config.cpuProfileKinds.length > 0) console.log(`\nCPU profiles of ${config.cpuProfileKinds.join(', ')} (whole run) go to ${config.cpuProfileDir} as they stop.`);
  for (const result of results) if (result.warning) console.error(`\nwarning: ${result.catalogCase.benchCase.label}: ${result.warning}; its figures may be off.`);
  console.log('');
  for (const result of results) {
    const { catalogCase, load: figures } = result;
    console.log(
      `${catalogCase.benchCase.label}: p99 ≤ ${catalogCase.goalP99Ms} ms at ${config.rate} req/s: ${isMet(result, config) ? 'MET' : 'NOT MET'} ` +
        `(p99 ${ms(figures.latencyMs.p99)} ms, ${figures.achievedPerSec.toFixed(1)} req/s achieved, ${figures.non2xx + figures.socketErrors + figures.timeouts + figures.unexpectedBodies} errors)`,
    );
  }
  if (!allMet) process.exitCode = 1;
});

function log(message: string): void {
  console.error(`[bench:catalog] ${message}`);
}

function ms(value: number): string {
  return value.toFixed(2);
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([key, count]) => `${count} ${key}`)
    .join(', ');
}
