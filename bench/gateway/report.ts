import type { BenchCase } from './cases.js';
import type { CaseResult } from './measure.js';
import { printTable } from '../print-table.js';

const fixed = (digits: number) => (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
const ms = fixed(3);
const times = (ratio: number) => `${ratio.toFixed(2)}×`;

export function printResults(results: CaseResult[]): void {
  printTable(
    ['case', 'req/s', 'p50 ms', 'p99 ms', 'gateway CPU ms/req', 'subgraphs CPU ms/req', 'db+kernel+idle ms/req', 'server CPU busy', 'subgraph ops/req'],
    results.map((result) => [
      result.benchCase.label,
      fixed(0)(result.load.requestsPerSec),
      ms(result.load.p50Ms),
      ms(result.load.p99Ms),
      ms(result.gatewayCpuMsPerRequest),
      ms(result.subgraphsCpuMsPerRequest),
      ms(result.otherServerCpuMsPerRequest),
      `${(result.serverCpuBusy * 100).toFixed(0)}%`,
      fixed(2)(result.subgraphOperationsPerRequest),
    ]),
  );
  console.log('');
  const kinds = Object.keys(results[0]?.subgraphCpuMsPerRequest ?? {});
  printTable(
    ['case', ...kinds.map((kind) => `${kind} CPU ms/req`)],
    results.map((result) => [result.benchCase.label, ...kinds.map((kind) => ms(result.subgraphCpuMsPerRequest[kind]))]),
  );
  console.log('');
  printTable(
    ['case', 'responses in window', 'non-2xx', 'socket errors', 'unexpected bodies'],
    results.map(({ benchCase, load }) => [benchCase.label, String(load.responses), String(load.non2xx), String(load.errors), String(load.mismatches)]),
  );
  for (const { benchCase, load } of results) {
    if (load.errorMessages.length > 0) console.log(`  ${benchCase.label}: socket errors such as ${load.errorMessages.map((message) => `"${message}"`).join(', ')}`);
  }
}

export function printRatios(results: CaseResult[]): void {
  const byId = new Map(results.map((result) => [result.benchCase.id, result]));
  const get = (id: BenchCase['id']) => byId.get(id)!;
  const compare = (ours: CaseResult, other: CaseResult) =>
    [
      `throughput ${times(ours.load.requestsPerSec / other.load.requestsPerSec)}`,
      `p50 ${times(ours.load.p50Ms / other.load.p50Ms)} (${signed(ours.load.p50Ms - other.load.p50Ms)} ms)`,
      `p99 ${times(ours.load.p99Ms / other.load.p99Ms)} (${signed(ours.load.p99Ms - other.load.p99Ms)} ms)`,
    ].join(', ');

  const direct = get('a-direct');
  const subgraphMs = direct.subgraphsCpuMsPerRequest;
  console.log('(a) gateway overhead on a query one subgraph owns (÷ the subgraph called directly):');
  for (const id of ['a-ours', 'a-hive'] as const) {
    const result = get(id);
    console.log(`    ${result.benchCase.label}: ${compare(result, direct)}`);
    console.log(
      `      gateway CPU ${ms(result.gatewayCpuMsPerRequest)} ms/req = ${times(result.gatewayCpuMsPerRequest! / subgraphMs)} the subgraph's own ${ms(subgraphMs)} ms/req`,
    );
  }
  const ours = get('b-ours');
  const hive = get('b-hive');
  console.log('(b) federated query, our gateway ÷ Hive Gateway (below 1× is less, above 1× is more):');
  console.log(`    ${compare(ours, hive)}`);
  console.log(
    `    gateway CPU/req ${times(ours.gatewayCpuMsPerRequest! / hive.gatewayCpuMsPerRequest!)}, ` +
      `subgraphs CPU/req ${times(ours.subgraphsCpuMsPerRequest / hive.subgraphsCpuMsPerRequest)}, ` +
      `subgraph ops/req ${fixed(2)(ours.subgraphOperationsPerRequest)} vs ${fixed(2)(hive.subgraphOperationsPerRequest)}`,
  );
  const oneHive = get('a-hive');
  const oursA = get('a-ours');
  console.log(`    (on the one-subgraph query: throughput ${times(oursA.load.requestsPerSec / oneHive.load.requestsPerSec)}, gateway CPU/req ${times(oursA.gatewayCpuMsPerRequest! / oneHive.gatewayCpuMsPerRequest!)})`);
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;
