import { printTable } from '../print-table.js';
import type { DeliveryFigures } from '../launch/delivery.js';
import { ms, percentile } from '../launch/stats.js';
import type { DeliveryPath } from './config.js';

/** Issue 7's goals for the gateway path. */
export const GOAL_P99_MS = 250;
export const GOAL_GATEWAY_MEMORY_MIB = 1.5 * 1024;

export interface PathResult {
  path: DeliveryPath;
  figures: DeliveryFigures;
  runtimesCpuMs: number;
  /** Undefined on the direct path. */
  gatewayCpuMs?: number;
  runtimesPeakMiB: number;
  gateway?: { rssAtWindowEndMiB: number; peakMiB: number };
}

const perCentOfCpu = (cpuMs: number, windowMs: number) => `${((100 * cpuMs) / windowMs).toFixed(1)} %`;
const ratio = (value: number, base: number) => (base > 0 && Number.isFinite(value) ? `${(value / base).toFixed(2)}×` : 'n/a');

/** One column per path, and the gateway's ratio to the direct figure where both ran. */
export function printCase(title: string, results: PathResult[]): void {
  console.log(title);
  const direct = results.find((result) => result.path === 'direct');
  const gateway = results.find((result) => result.path === 'gateway');
  const both = direct !== undefined && gateway !== undefined;
  const row = (measure: string, cell: (result: PathResult) => string, ratioOf?: (result: PathResult) => number) => [
    measure,
    ...results.map(cell),
    ...(both ? [ratioOf ? ratio(ratioOf(gateway), ratioOf(direct)) : ''] : []),
  ];
  const latency = (result: PathResult, fraction: number) => percentile(result.figures.latencyMs, fraction);
  const serversCpuMs = (result: PathResult) => result.runtimesCpuMs + (result.gatewayCpuMs ?? 0);
  printTable(
    ['measure', ...results.map((result) => result.path), ...(both ? ['gateway ÷ direct'] : [])],
    [
      row('subscribers / client connections', ({ figures }) => `${figures.subscribers} / ${figures.sockets}`),
      row('events injected, warm-up included', ({ figures }) => String(figures.sent)),
      row('deliveries expected / received', ({ figures }) => `${figures.expected} / ${figures.received}`),
      row('measured events / started per s / committed per s', ({ figures }) => `${figures.measuredSent} / ${figures.achievedPerSec.toFixed(1)} / ${figures.committedPerSec.toFixed(1)}`),
      row("injector's transaction p50 / p99 (ms)", ({ figures }) => `${ms(percentile(figures.commitMs, 0.5))} / ${ms(percentile(figures.commitMs, 0.99))}`),
      row('measured deliveries / never received', ({ figures }) => `${figures.measuredExpected} / ${figures.missing}`),
      row('subscriptions with a problem (error, end, gap, repeat)', ({ figures }) => String(figures.problems.length)),
      row('commit → subscriber p50 (ms)', (result) => ms(latency(result, 0.5)), (result) => latency(result, 0.5)),
      row('commit → subscriber p90 (ms)', (result) => ms(latency(result, 0.9)), (result) => latency(result, 0.9)),
      row('commit → subscriber p99 (ms)', (result) => ms(latency(result, 0.99)), (result) => latency(result, 0.99)),
      row('commit → subscriber max (ms)', (result) => ms(result.figures.latencyMs.at(-1) ?? Number.NaN), (result) => result.figures.latencyMs.at(-1) ?? Number.NaN),
      row("injector's largest lag behind schedule (ms)", ({ figures }) => ms(figures.injectorLagMaxMs)),
      row('runtimes CPU in the window (of one CPU)', (result) => perCentOfCpu(result.runtimesCpuMs, result.figures.windowMs), (result) => result.runtimesCpuMs / result.figures.windowMs),
      row('gateway CPU in the window (of one CPU)', (result) => (result.gatewayCpuMs === undefined ? '—' : perCentOfCpu(result.gatewayCpuMs, result.figures.windowMs))),
      row('gateway + runtimes CPU per event (ms)', (result) => ms(serversCpuMs(result) / result.figures.measuredSent), (result) => serversCpuMs(result) / result.figures.measuredSent),
      row("PostgreSQL backends' CPU per event (ms)", ({ figures }) => (figures.postgresCpuMs === null ? 'n/a' : (figures.postgresCpuMs / figures.measuredSent).toFixed(2))),
      row('this process (subscribers, injector) CPU in the window', ({ figures }) => perCentOfCpu(figures.loadCpuMs, figures.windowMs)),
      row("servers' CPU busy, everything on it", ({ figures }) => perCentOfCpu(figures.serverCpuBusyMs, figures.windowMs)),
      row('gateway RSS at window end / peak (MiB)', ({ gateway: memory }) => (memory ? `${memory.rssAtWindowEndMiB.toFixed(0)} / ${memory.peakMiB.toFixed(0)}` : '—')),
      row('runtimes peak RSS (MiB)', (result) => result.runtimesPeakMiB.toFixed(0), (result) => result.runtimesPeakMiB),
    ],
  );
  for (const result of results) for (const problem of result.figures.problems.slice(0, 5)) console.log(`  ${result.path} problem: ${problem}`);
}

/** Every event reached every subscriber of its instance, once and in order. */
export function deliveredAll({ figures }: PathResult): boolean {
  return figures.problems.length === 0 && figures.missing === 0 && figures.expected === figures.received;
}
