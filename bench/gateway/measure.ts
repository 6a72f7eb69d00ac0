import type { BenchCase } from './cases.js';
import type { BenchConfig } from './config.js';
import { readCpuBusyMs, waitForQuietCpus } from './cpu-time.js';
import type { LoadGenerator } from './load-generator.js';
import type { LoadResult, LoadRun, WindowEdge } from './load-protocol.js';
import type { ServerProcess } from './servers.js';

export interface CaseResult {
  benchCase: BenchCase;
  load: LoadResult;
  /** CPU time of the gateway answering, per response; undefined for a direct case. */
  gatewayCpuMsPerRequest?: number;
  /** CPU time of the three subgraph processes together, per response. */
  subgraphsCpuMsPerRequest: number;
  /** The same, per subgraph. */
  subgraphCpuMsPerRequest: Record<string, number>;
  /** Everything else on the servers' CPU per response: the database, the kernel's networking, idle servers. */
  otherServerCpuMsPerRequest: number;
  /** How busy the servers' CPU was during the window, 0 to 1. */
  serverCpuBusy: number;
  /** Operations the subgraphs executed per response: the fan-out of the query plan. */
  subgraphOperationsPerRequest: number;
}

export interface MeasureContext {
  config: BenchConfig;
  load: LoadGenerator;
  subgraphs: ServerProcess[];
  loadCpu: number;
  serverCpu: number;
  /** The verified body of each case. */
  expectedBodies: Map<BenchCase['id'], string>;
  /** Told when the machine was not quiet before a case, which makes its figures suspect. */
  warn(message: string): void;
}

interface Snapshot {
  gatewayMs: number;
  subgraphMs: number[];
  busyMs: number;
  operations: Promise<number>;
}

/** Runs every case briefly, unmeasured, so that no case is measured on servers that have not yet run its code. */
export async function primeCases(cases: BenchCase[], context: MeasureContext): Promise<void> {
  const { config, load, expectedBodies } = context;
  if (config.primeSec === 0) return;
  for (const benchCase of cases) await load.run(toLoadRun(benchCase, config, expectedBodies, config.primeSec, 1), () => {});
}

/** Runs one case: warm-up, then the measured window, reading CPU time and operation counts at its edges. */
export async function measureCase(benchCase: BenchCase, context: MeasureContext): Promise<CaseResult> {
  const { config, load, subgraphs, loadCpu, serverCpu, expectedBodies, warn } = context;
  // The previous case's last requests may still be running on the servers, or someone else's job on the machine.
  if (!(await waitForQuietCpus([loadCpu, serverCpu]))) warn(`${benchCase.label}: the CPUs were still busy before the run`);

  const snapshots: Partial<Record<WindowEdge, Snapshot>> = {};
  const result = await load.run(
    toLoadRun(benchCase, config, expectedBodies, config.warmupSec, config.durationSec),
    (edge) => {
      snapshots[edge] = {
        gatewayMs: benchCase.gateway?.readCpuMs() ?? 0,
        subgraphMs: subgraphs.map((subgraph) => subgraph.readCpuMs()),
        busyMs: readCpuBusyMs(serverCpu),
        operations: countSubgraphOperations(subgraphs),
      };
    },
  );
  const { start, end } = snapshots as Record<WindowEdge, Snapshot>;

  const perRequest = (value: number) => value / Math.max(result.responses, 1);
  const gatewayMs = end.gatewayMs - start.gatewayMs;
  const subgraphMs = subgraphs.map((_, index) => end.subgraphMs[index]! - start.subgraphMs[index]!);
  const subgraphsMs = subgraphMs.reduce((sum, ms) => sum + ms, 0);
  const busyMs = end.busyMs - start.busyMs;
  return {
    benchCase,
    load: result,
    gatewayCpuMsPerRequest: benchCase.gateway ? perRequest(gatewayMs) : undefined,
    subgraphsCpuMsPerRequest: perRequest(subgraphsMs),
    subgraphCpuMsPerRequest: Object.fromEntries(subgraphs.map((subgraph, index) => [subgraph.kind, perRequest(subgraphMs[index]!)])),
    otherServerCpuMsPerRequest: perRequest(Math.max(0, busyMs - gatewayMs - subgraphsMs)),
    serverCpuBusy: busyMs / (result.elapsedSec * 1000),
    subgraphOperationsPerRequest: perRequest((await end.operations) - (await start.operations)),
  };
}

/** The load for a case; built when the run starts, since a direct case's signature is only good for 60 s. */
function toLoadRun(benchCase: BenchCase, config: BenchConfig, expectedBodies: Map<BenchCase['id'], string>, warmupSec: number, durationSec: number): LoadRun {
  return {
    url: benchCase.url.href,
    headers: benchCase.headers(),
    body: benchCase.query.body,
    connections: config.connections,
    warmupSec,
    durationSec,
    expectBody: expectedBodies.get(benchCase.id)!,
  };
}

/**
 * Sum of `graphql_operations_total` over the subgraphs, from their Prometheus endpoints. The scrape
 * answers behind the requests queued at that instant, so the count lags the edge by about one
 * latency at both edges alike; over a 10 s window that is a small error.
 */
async function countSubgraphOperations(subgraphs: ServerProcess[]): Promise<number> {
  const counts = await Promise.all(
    subgraphs.map(async (subgraph) => {
      const text = await (await fetch(new URL('/metrics', subgraph.graphqlUrl))).text();
      let total = 0;
      for (const line of text.split('\n')) if (line.startsWith('graphql_operations_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
      return total;
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
