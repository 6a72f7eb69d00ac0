import { printTable } from '../print-table.js';
import type { CatalogBenchConfig } from './config.js';
import type { CaseResult } from './measure.js';
import type { SqlProfile } from './sql-profile.js';

const fixed = (digits: number) => (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
const ms = fixed(2);
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export const failuresOf = ({ load }: CaseResult) => load.non2xx + load.socketErrors + load.timeouts + load.unexpectedBodies;

/** A goal is met when the p99 is within it, nothing failed, and the server kept up with the schedule. */
export function isMet(result: CaseResult, config: CatalogBenchConfig): boolean {
  return result.load.latencyMs.p99 <= result.catalogCase.goalP99Ms && failuresOf(result) === 0 && result.load.achievedPerSec >= config.rate * 0.99;
}

export function printResults(results: CaseResult[], config: CatalogBenchConfig): void {
  printTable(
    ['case', 'target req/s', 'sent req/s', 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'goal p99', 'verdict'],
    results.map((result) => [
      result.catalogCase.benchCase.label,
      String(config.rate),
      fixed(1)(result.load.sentPerSec),
      fixed(1)(result.load.achievedPerSec),
      ms(result.load.latencyMs.p50),
      ms(result.load.latencyMs.p90),
      ms(result.load.latencyMs.p99),
      ms(result.load.latencyMs.max),
      String(failuresOf(result)),
      `≤ ${result.catalogCase.goalP99Ms} ms`,
      isMet(result, config) ? 'MET' : 'NOT MET',
    ]),
  );
  console.log('');
  printTable(
    ['case', 'requests in window', 'non-2xx', 'socket errors', 'timeouts', 'unexpected bodies', 'failures outside window', 'max in flight', 'generator lag p99 ms'],
    results.map(({ catalogCase, load }) => [
      catalogCase.benchCase.label,
      String(load.scheduled),
      String(load.non2xx),
      String(load.socketErrors),
      String(load.timeouts),
      String(load.unexpectedBodies),
      String(load.failuresOutsideWindow),
      String(load.maxInFlight),
      ms(load.sendLagMs.p99),
    ]),
  );
  for (const { catalogCase, load } of results) {
    if (load.failureSamples.length > 0) console.log(`  ${catalogCase.benchCase.label}: failures such as ${load.failureSamples.map((sample) => `"${sample}"`).join(', ')}`);
  }
}

export function printBreakdown(results: CaseResult[]): void {
  console.log('Where the time goes, per server on the path (its own request-duration histogram over the window, outermost first) and per CPU.');
  console.log('CPU ms/req is CPU time in the window over the expected responses completed in it; a server that falls behind also spends CPU on requests the client has abandoned, so it is then an upper bound.');
  printTable(
    ['case', 'server', 'requests', 'mean in server ms', '> 10 ms', '> 25 ms', '> 50 ms', 'CPU ms/req'],
    results.flatMap((result) =>
      result.servers.map((server) => [
        result.catalogCase.benchCase.label,
        server.kind,
        String(server.requests),
        ms(server.meanMs),
        percent(server.over10Ms),
        percent(server.over25Ms),
        percent(server.over50Ms),
        ms(server.cpuMsPerRequest),
      ]),
    ),
  );
  console.log('');
  console.log("'stolen by the host' is the share of the servers' CPU time the hypervisor gave to another guest (steal in /proc/stat): a run with much of it measured the host. It is in neither 'busy' nor 'other'.");
  printTable(
    ['case', 'client mean ms', 'db+kernel+other CPU ms/req', 'servers CPUs busy', 'stolen by the host'],
    results.map((result) => [
      result.catalogCase.benchCase.label,
      ms(result.load.latencyMs.mean),
      ms(result.otherCpuMsPerRequest),
      percent(result.serverCpuBusy),
      percent(result.serverCpuSteal),
    ]),
  );
}

export function printSqlProfile(profile: SqlProfile, withPlans: boolean): void {
  console.log(
    `The addons subgraph's SQL for this query, captured from knex with its bind parameters and run under explain (analyze, buffers) ` +
      `(median of several runs, no other load): executing the operation takes ${ms(profile.operationMs)} ms in-process (resolvers and SQL; no HTTP, no parsing).`,
  );
  printTable(
    ['#', 'rows', 'planning ms', 'execution ms', 'statement'],
    profile.statements.map((statement, index) => [String(index + 1), String(statement.rows), ms(statement.planningMs), ms(statement.executionMs), shorten(statement.sql, 110)]),
  );
  if (!withPlans) {
    console.log('(full statements and plans: BENCH_EXPLAIN=1, or printed by themselves when a goal is not met)');
    return;
  }
  profile.statements.forEach((statement, index) => {
    console.log(`\n#${index + 1} ${statement.sql}\nparameters: ${JSON.stringify(statement.bindings)}\n${statement.plan}`);
  });
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
