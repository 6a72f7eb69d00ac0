import type { LoadProcessMessage } from '../gateway/load-generator.js';
/**
 * One open-loop run, as the bench asks the load generator process (load.ts) for it: requests
 * scheduled at a fixed rate for `warmupSec`, then for the measured window of `durationSec`, then a
 * short tail, each sent at its scheduled instant whether or not earlier ones have answered. A
 * request's latency runs from its scheduled instant, not from when it was actually written, so a
 * stalled server or a late generator shows up in the figures instead of silently lowering the load
 * (no coordinated omission).
 */
export interface OpenLoopRun {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Requests per second. */
  rate: number;
  warmupSec: number;
  durationSec: number;
  /** A request not answered within this is abandoned and counted as a timeout, with this as its latency. */
  timeoutMs: number;
  /** The verified response body; a 200 with any other body counts as unexpected. */
  expectBody: string;
}

export interface OpenLoopResult {
  /** Requests scheduled inside the measured window. */
  scheduled: number;
  /** Length of the measured window, as timed by the load generator. */
  windowSec: number;
  /** Of the window's requests, how many were written per second of the window. */
  sentPerSec: number;
  /** Expected responses (200 and the verified body) completed inside the window, per second of it. */
  achievedPerSec: number;
  /** Latency from the scheduled instant, over every request of the window (failed ones included). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** How late the generator itself wrote the window's requests (actual minus scheduled instant). */
  sendLagMs: { p50: number; p99: number; max: number };
  /** Most requests in flight at once during the window. */
  maxInFlight: number;
  /** Of the window's requests: non-200 answers, socket errors, timeouts, 200s with another body. */
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  unexpectedBodies: number;
  /** Failures of the warm-up and tail, which the figures above leave out. */
  failuresOutsideWindow: number;
  /** A few distinct failure descriptions, for the report. */
  failureSamples: string[];
}

export type LoadMessage = LoadProcessMessage<OpenLoopRun, OpenLoopResult>;
