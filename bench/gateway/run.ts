/**
 * `npm run bench:gateway`: our gateway against the subgraph it fronts and against Hive Gateway, in
 * one run on the same data. The load generator runs pinned to one CPU and every server (three
 * subgraphs, our gateway, Hive Gateway, and the embedded database) to the other, each server in its
 * own process so its CPU time can be read. Cases:
 *   (a) a query one subgraph owns: straight to it, through our gateway, through Hive Gateway;
 *   (b) a query across the three subgraphs: through our gateway and through Hive Gateway.
 * Every case's answer is verified before anything is measured. Everything stops by itself, on
 * success, failure, Ctrl-C, or after a deadline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken, type Env } from '@addon-platform/platform';
import { directCase, gatewayCase, verifyCases, type BenchCase } from './cases.js';
import { readBenchConfig } from './config.js';
import { waitForQuietCpus } from './cpu-time.js';
import { createBenchDatabase } from './database.js';
import { benchServerEnv, createRunControl } from './run-control.js';
import { startLoadGenerator } from './load-generator.js';
import { measureCase, primeCases, type CaseResult } from './measure.js';
import { readPackageVersion } from './package-version.js';
import { pinThisProcess, readAllowedCpus, REPO_ROOT } from './processes.js';
import { createFederatedQuery, createSingleSubgraphQuery } from './queries.js';
import { printRatios, printResults } from './report.js';
import { SEED, seedBenchData } from './seed.js';
import type { ServerKind } from './server-kinds.js';
import { startServerProcess, SERVERS_NODE } from './servers.js';
import { composeSupergraph } from '../../scripts/supergraph.js';

const config = readBenchConfig(process.env);
const cpus = readAllowedCpus();
if (cpus.length < 2) throw new Error(`bench:gateway needs two CPUs (one for the load, one for the servers); this process may use ${cpus.join(',')}`);
const [loadCpu, serverCpu] = cpus as [number, number];
const gatewayDir = join(REPO_ROOT, 'gateway');
const hiveDir = join(REPO_ROOT, 'node_modules/@graphql-hive/gateway');

// Five cases of priming, warm-up, run and a wait for quiet CPUs, and two minutes to start and stop the servers.
const deadlineMs = (5 * (config.primeSec + config.warmupSec + config.durationSec + 80) + 120) * 1000;
const run = createRunControl('bench:gateway', deadlineMs);
const track = run.track;

await run.execute(async () => {
  pinThisProcess([serverCpu]);
  const database = track(await createBenchDatabase(process.env));
  const env = benchServerEnv(database.url);
  const gatewaySecret = env.GATEWAY_SECRET!;
  const jwtSecret = env.JWT_SECRET!;

  log('migrating and seeding the database');
  const { repoId } = await seedBenchData(env);

  // A folder per server: node writes one profile per thread (the loader hooks run in a thread of their own).
  const nodeFlagsFor = (kind: ServerKind) => (config.cpuProfileKinds.includes(kind) ? ['--cpu-prof', `--cpu-prof-dir=${join(config.cpuProfileDir, kind)}`] : []);

  log('starting the subgraphs');
  const startServer = async (kind: ServerKind, serverEnv: Env) => track(await startServerProcess(kind, [serverCpu], serverEnv, nodeFlagsFor(kind)));
  const repos = await startServer('repos', env);
  const addons = await startServer('addons', env);
  const runtimes = await startServer('runtimes', env);
  const subgraphs = [repos, addons, runtimes];

  log('composing the supergraph and starting the gateways');
  const supergraphDir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-supergraph-'));
  run.onCleanUp(() => rm(supergraphDir, { recursive: true, force: true }));
  const supergraphPath = join(supergraphDir, 'supergraph.graphql');
  await writeFile(supergraphPath, (await composeSupergraph({ repos: repos.graphqlUrl.href, addons: addons.graphqlUrl.href, runtimes: runtimes.graphqlUrl.href })).supergraphSdl);
  const ours = await startServer('gateway', { ...env, SUPERGRAPH_PATH: supergraphPath });
  const hive = await startServer('hive', { ...env, SUPERGRAPH_PATH: supergraphPath });
  const load = track(await startLoadGenerator(loadCpu, { PATH: process.env.PATH, HOME: process.env.HOME }));

  const authorization = `Bearer ${await mintToken(jwtSecret, { sub: 'bench', tenant: SEED.tenant, roles: ['tenant'] }, { expiresIn: '1h' })}`;
  const single = createSingleSubgraphQuery();
  const federated = createFederatedQuery(repoId);
  const cases: BenchCase[] = [
    directCase({ id: 'a-direct', label: '(a) runtimes subgraph, direct', query: single }, runtimes, { authorization, gatewaySecret }),
    gatewayCase({ id: 'a-ours', label: '(a) our gateway', query: single }, ours, authorization),
    gatewayCase({ id: 'a-hive', label: '(a) Hive Gateway', query: single }, hive, authorization),
    gatewayCase({ id: 'b-ours', label: '(b) our gateway, federated', query: federated }, ours, authorization),
    gatewayCase({ id: 'b-hive', label: '(b) Hive Gateway, federated', query: federated }, hive, authorization),
  ];
  const versions =
    `Our gateway: @apollo/gateway ${readPackageVersion('@apollo/gateway', gatewayDir)} + @apollo/server ${readPackageVersion('@apollo/server', gatewayDir)}; ` +
    `Hive Gateway: @graphql-hive/gateway ${readPackageVersion('@graphql-hive/gateway', REPO_ROOT)} ` +
    `(runtime ${readPackageVersion('@graphql-hive/gateway-runtime', hiveDir)}). ${SERVERS_NODE}.`;
  log('verifying that every case answers the seeded data, without errors');
  const expectedBodies = await verifyCases(cases);

  const warnings: string[] = [];
  const context = { config, load, subgraphs, loadCpu, serverCpu, expectedBodies, warn: (message: string) => warnings.push(message) };
  log('priming every case');
  await primeCases(cases, context);
  const results: CaseResult[] = [];
  for (const benchCase of cases) {
    log(`measuring ${benchCase.label}`);
    results.push(await measureCase(benchCase, context));
  }

  // The last case's abandoned requests finish first, so that stopping the servers cuts no request short.
  await waitForQuietCpus([serverCpu]);
  console.log('');
  console.log(
    `Gateway benchmark: ${config.connections} connections; every case primed ${config.primeSec} s, then each ${config.warmupSec} s warm-up + ${config.durationSec} s measured; ` +
      `load generator on CPU ${loadCpu}, servers on CPU ${serverCpu}; ${database.description}.`,
  );
  console.log(versions);
  console.log(`(a) ${single.name}; (b) ${federated.name}; data: 1 repo, ${SEED.addons} addons, ${SEED.instancesPerAddon} instances each.`);
  console.log('Figures are of the measured window; CPU ms/req is the CPU time of the processes in it divided by the responses in it.');
  console.log('non-2xx, socket errors and unexpected bodies (any body but the verified one) count the whole run, warm-up included.\n');
  printResults(results);
  console.log('');
  printRatios(results);
  if (config.cpuProfileKinds.length > 0) console.log(`\nCPU profiles of ${config.cpuProfileKinds.join(', ')} go to ${config.cpuProfileDir} as they stop.`);
  for (const warning of warnings) console.error(`\nwarning: ${warning}; its figures may be off.`);
  const failures = results.reduce((sum, { load: run }) => sum + run.non2xx + run.errors + run.mismatches, 0);
  if (failures > 0) {
    console.error(`\n${failures} responses were errors or unexpected bodies: the figures above are not trustworthy.`);
    process.exitCode = 1;
  }
});

function log(message: string): void {
  console.error(`[bench:gateway] ${message}`);
}

