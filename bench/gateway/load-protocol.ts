import type { LoadProcessMessage } from './load-generator.js';
/**
 * One bounded load run, as the bench asks the load generator process for it: `warmupSec` of load,
 * then the measured window of `durationSec`, under the same steady load. The window's edges are
 * reported as they pass so the bench reads the servers' CPU at those instants; measuring inside a
 * continuous run keeps both edges in steady state (as many requests in flight at the end as at the
 * start), so CPU time over the window divided by the responses in it is unbiased.
 */
export interface LoadRun {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  warmupSec: number;
  durationSec: number;
  /** The verified response body; any other body counts as a mismatch. */
  expectBody: string;
}

export interface LoadResult {
  /** Responses completed inside the measured window. */
  responses: number;
  /** Length of the measured window, as timed by the load generator. */
  elapsedSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Over the whole run, warm-up included: responses with a status other than 2xx. */
  non2xx: number;
  /** Over the whole run: socket errors and timeouts. */
  errors: number;
  /** The distinct messages of the first few of them. */
  errorMessages: string[];
  /** Over the whole run: 2xx responses whose body differs from the verified one (GraphQL errors, partial data). */
  mismatches: number;
}

export type WindowEdge = 'start' | 'end';

export type LoadMessage = LoadProcessMessage<LoadRun, LoadResult>;
