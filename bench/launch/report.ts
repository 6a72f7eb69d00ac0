import { printTable } from '../print-table.js';
import type { DeliveryFigures } from './delivery.js';
import type { LaunchFigures } from './launches.js';
import { ms, percentile } from './stats.js';

export const DELIVERY_GOAL_P99_MS = 50;

const perCent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

export function printLaunches(figures: LaunchFigures, settings: string): void {
  const { readyMs, answerMs, launches } = figures;
  console.log(`Launches (${settings})`);
  printTable(
    ['measure', 'value'],
    [
      ['wall time, first mutation sent → last READY received', `${(figures.wallMs / 1000).toFixed(2)} s`],
      ['launches per second', (launches / (figures.wallMs / 1000)).toFixed(1)],
      ['mutation answered, p50 / p99 (ms)', `${ms(percentile(answerMs, 0.5))} / ${ms(percentile(answerMs, 0.99))}`],
      ['time to READY per launch, p50 / p99 / max (ms)', `${ms(percentile(readyMs, 0.5))} / ${ms(percentile(readyMs, 0.99))} / ${ms(readyMs.at(-1) ?? Number.NaN)}`],
      ['instances READY', `${readyMs.length} of ${launches}`],
      ['events written / delivered', `${figures.eventsWritten} / ${figures.eventsDelivered}`],
      ['subscriptions with a delivery problem', String(figures.deliveryProblems.length)],
      ['runtimes process CPU, total / per launch (ms)', `${ms(figures.runtimesCpuMs)} / ${ms(figures.runtimesCpuMs / launches)}`],
      [
        'PostgreSQL backends of the bench database, CPU total / per launch (ms)',
        figures.postgresCpuMs === null ? 'n/a (not on this host)' : `${ms(figures.postgresCpuMs)} / ${ms(figures.postgresCpuMs / launches)}`,
      ],
      ["runtimes' CPU busy, all processes (of the wall time)", perCent(figures.serverCpuBusyMs, figures.wallMs)],
    ],
  );
  for (const problem of figures.deliveryProblems.slice(0, 10)) console.log(`  problem: ${problem}`);
}

export function printDelivery(figures: DeliveryFigures, settings: string): void {
  const { latencyMs } = figures;
  console.log(`Delivery (${settings})`);
  printTable(
    ['measure', 'value'],
    [
      ['subscribers / graphql-ws connections', `${figures.subscribers} / ${figures.sockets}`],
      ['events injected / received (warm-up included)', `${figures.sent} / ${figures.received}`],
      ['measured events / achieved rate', `${figures.measuredSent} / ${figures.achievedPerSec.toFixed(1)} per s`],
      ['measured events never received', String(figures.missing)],
      ['commit → subscriber, min / p50 / p90 (ms)', `${ms(latencyMs[0] ?? Number.NaN)} / ${ms(percentile(latencyMs, 0.5))} / ${ms(percentile(latencyMs, 0.9))}`],
      ['commit → subscriber, p99 / max (ms)', `${ms(percentile(latencyMs, 0.99))} / ${ms(latencyMs.at(-1) ?? Number.NaN)}`],
      ["injector's transaction, p50 / p99 (ms)", `${ms(percentile(figures.commitMs, 0.5))} / ${ms(percentile(figures.commitMs, 0.99))}`],
      ["injector's largest lag behind schedule (ms)", ms(figures.injectorLagMaxMs)],
      ['subscriptions with a problem (error, completed, gap or repeat)', String(figures.problems.length)],
      ['runtimes process CPU during the window', `${perCent(figures.serverCpuMs[0]!, figures.windowMs)} (${ms(figures.serverCpuMs[0]! / figures.measuredSent)} ms per event)`],
      ["runtimes' CPU busy, all processes", perCent(figures.serverCpuBusyMs, figures.windowMs)],
    ],
  );
  for (const problem of figures.problems.slice(0, 10)) console.log(`  problem: ${problem}`);
}

export function launchesMet(figures: LaunchFigures): boolean {
  return figures.notReady === 0 && figures.deliveryProblems.length === 0 && figures.eventsWritten === figures.eventsDelivered;
}

export function deliveryMet(figures: DeliveryFigures): boolean {
  return figures.problems.length === 0 && figures.missing === 0 && figures.expected === figures.received && percentile(figures.latencyMs, 0.99) <= DELIVERY_GOAL_P99_MS;
}
