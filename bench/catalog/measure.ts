import type { BenchCase } from '../gateway/cases.js';
import { readCpusTimesMs, waitForQuietCpus } from '../gateway/cpu-time.js';
import type { ServerProcess } from '../gateway/servers.js';
import type { OpenLoopGenerator } from './load-generator.js';
import type { WindowEdge } from '../gateway/load-protocol.js';
import type { OpenLoopResult } from './load-protocol.js';
import type { CatalogBenchConfig } from './config.js';

/** One measured line of the report: a case, its goal, and the servers on its path (outermost first). */
export interface CatalogCase {
  benchCase: BenchCase;
  goalP99Ms: number;
  path: ServerProcess[];
}

/** Server-side time of `/graphql` requests in the window, from a server's own Prometheus histogram. */
export interface ServerTime {
  kind: string;
  requests: number;
  meanMs: number;
  /** Shares of the window's requests that took longer than 10, 25 and 50 ms inside the server. */
  over10Ms: number;
  over25Ms: number;
  over50Ms: number;
  cpuMsPerRequest: number;
}

export interface CaseResult {
  catalogCase: CatalogCase;
  load: OpenLoopResult;
  servers: ServerTime[];
  /** CPU of everything else on the servers' CPUs per response (the load generator's own taken out): the database, the kernel's loopback networking, idle servers. */
  otherCpuMsPerRequest: number;
  /** How busy the servers' CPUs were during the window, 0 to 1. */
  serverCpuBusy: number;
  /** The share of the servers' CPUs' time in the window that the hypervisor gave to another guest, 0 to 1. */
  serverCpuSteal: number;
  /** Set when the CPUs were not quiet before the run (another job on the machine): the figures are suspect. */
  warning?: string;
}

export interface MeasureContext {
  config: CatalogBenchConfig;
  load: OpenLoopGenerator;
  /** Every server process running, to read all their CPU time. */
  servers: ServerProcess[];
  loadCpu: number;
  /** Where the servers and the database may run; the load generator's CPU may be among them. */
  serverCpus: readonly number[];
}

interface Histogram {
  sum: number;
  count: number;
  /** Cumulative counts by upper bound in seconds. */
  buckets: Map<number, number>;
}

interface Snapshot {
  cpuMs: number[];
  loadCpuMs: number;
  busyMs: number;
  stealMs: number;
  histograms: Promise<Histogram[]>;
}

export async function measureCase(catalogCase: CatalogCase, context: MeasureContext, expectBody: string): Promise<CaseResult> {
  const { config, load, servers, loadCpu, serverCpus } = context;
  const { benchCase, path } = catalogCase;
  const quiet = await waitForQuietCpus([...new Set([loadCpu, ...serverCpus])], { timeoutMs: 30_000 });
  const loadShares = serverCpus.includes(loadCpu);

  const snapshots: Partial<Record<WindowEdge, Snapshot>> = {};
  const result = await load.run(
    {
      url: benchCase.url.href,
      // Built now: a direct request's signature is good for 60 s from here.
      headers: benchCase.headers(),
      body: benchCase.query.body,
      rate: config.rate,
      warmupSec: config.warmupSec,
      durationSec: config.durationSec,
      timeoutMs: config.timeoutMs,
      expectBody,
    },
    (edge) => {
      snapshots[edge] = {
        cpuMs: servers.map((server) => server.readCpuMs()),
        loadCpuMs: loadShares ? load.readCpuMs() : 0,
        ...readCpusTimesMs(serverCpus),
        histograms: Promise.all(path.map(readGraphqlHistogram)),
      };
    },
  );
  const { start, end } = snapshots as Record<WindowEdge, Snapshot>;
  const [startHistograms, endHistograms] = [await start.histograms, await end.histograms];
  const responses = Math.max(result.achievedPerSec * result.windowSec, 1);
  const cpuMs = servers.map((_, index) => end.cpuMs[index]! - start.cpuMs[index]!);
  const busyMs = end.busyMs - start.busyMs;
  const loadCpuMs = end.loadCpuMs - start.loadCpuMs;

  const serverTimes = path.map((server, index): ServerTime => {
    const [before, after] = [startHistograms[index]!, endHistograms[index]!];
    const requests = after.count - before.count;
    const over = (boundSec: number) => (requests - ((after.buckets.get(boundSec) ?? 0) - (before.buckets.get(boundSec) ?? 0))) / Math.max(requests, 1);
    return {
      kind: server.kind,
      requests,
      meanMs: ((after.sum - before.sum) / Math.max(requests, 1)) * 1000,
      over10Ms: over(0.01),
      over25Ms: over(0.025),
      over50Ms: over(0.05),
      cpuMsPerRequest: cpuMs[servers.indexOf(server)]! / responses,
    };
  });
  return {
    catalogCase,
    load: result,
    servers: serverTimes,
    otherCpuMsPerRequest: Math.max(0, busyMs - loadCpuMs - cpuMs.reduce((sum, ms) => sum + ms, 0)) / responses,
    serverCpuBusy: busyMs / (result.windowSec * 1000 * serverCpus.length),
    serverCpuSteal: (end.stealMs - start.stealMs) / (result.windowSec * 1000 * serverCpus.length),
    warning: quiet ? undefined : 'the CPUs were still busy before the run (another job on the machine?)',
  };
}

/**
 * `http_request_duration_seconds` of GraphQL requests, all statuses, from the server's `/metrics`.
 * The scrape answers behind the requests queued at that instant, a few ms after the edge at both edges alike.
 */
async function readGraphqlHistogram(server: ServerProcess): Promise<Histogram> {
  const text = await (await fetch(new URL('/metrics', server.graphqlUrl))).text();
  const histogram: Histogram = { sum: 0, count: 0, buckets: new Map() };
  for (const line of text.split('\n')) {
    const match = /^http_request_duration_seconds_(sum|count|bucket)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const [, series, labelText, valueText] = match;
    const labels = Object.fromEntries([...labelText!.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    // The timer labels by req.path when the response finishes; a handler mounted with app.use('/graphql')
    // leaves req.path as '/' then, so GraphQL requests land under 'other'. Nothing else is requested during the bench.
    if (labels.route !== '/graphql' && labels.route !== 'other') continue;
    const value = Number(valueText);
    if (series === 'sum') histogram.sum += value;
    else if (series === 'count') histogram.count += value;
    else if (labels.le !== '+Inf') histogram.buckets.set(Number(labels.le), (histogram.buckets.get(Number(labels.le)) ?? 0) + value);
  }
  return histogram;
}
