/**
 * Child entry: the open-loop load generator, pinned to its own CPU (bench/gateway's spawnPinned).
 * For each `run` message it sends POST requests at a fixed rate over keep-alive connections, as many
 * at once as the schedule asks (open loop: nothing waits for an earlier answer), reports the measured
 * window's edges as they pass, and answers with the window's figures. Exits when the bench goes away.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadMessage, OpenLoopResult, OpenLoopRun } from './load-protocol.js';

/** Load goes on a little past the window, so its end edge is still under steady load. */
const TAIL_SEC = 1;
/** Far above what 200 req/s needs: the connection pool is never what holds a request back. */
const MAX_SOCKETS = 1024;

const enum Outcome {
  PENDING,
  OK,
  NON_2XX,
  SOCKET_ERROR,
  TIMEOUT,
  UNEXPECTED_BODY,
}

const send = (message: LoadMessage) => process.send?.(message);

async function runOpenLoop(run: OpenLoopRun): Promise<OpenLoopResult> {
  const url = new URL(run.url);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const body = Buffer.from(run.body);
  const headers = { ...run.headers, 'content-length': String(body.length) };
  const intervalMs = 1000 / run.rate;
  const windowFirst = Math.round(run.warmupSec * run.rate);
  const windowEnd = windowFirst + Math.round(run.durationSec * run.rate);
  const total = windowEnd + Math.round(TAIL_SEC * run.rate);
  const inWindow = (index: number) => index >= windowFirst && index < windowEnd;

  const sentAt = new Float64Array(total);
  const doneAt = new Float64Array(total);
  const outcomes = new Uint8Array(total);
  const failureSamples = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let allSent = false;
  let allDone!: () => void;
  const finished = new Promise<void>((resolveDone) => (allDone = resolveDone));

  const startMs = performance.now() + 50;
  const scheduledAt = (index: number) => startMs + index * intervalMs;

  const finish = (index: number, outcome: Outcome, atMs: number, detail?: string) => {
    if (outcomes[index] !== Outcome.PENDING) return;
    outcomes[index] = outcome;
    doneAt[index] = atMs;
    if (detail && failureSamples.size < 5) failureSamples.add(detail);
    inFlight--;
    if (allSent && inFlight === 0) allDone();
  };

  const fire = (index: number) => {
    const scheduled = scheduledAt(index);
    sentAt[index] = performance.now();
    inFlight++;
    if (inWindow(index)) maxInFlight = Math.max(maxInFlight, inFlight);
    let timedOut = false;
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish(index, timedOut ? Outcome.TIMEOUT : Outcome.SOCKET_ERROR, performance.now(), error.message));
      res.on('end', () => {
        clearTimeout(timer);
        const at = performance.now();
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) finish(index, Outcome.NON_2XX, at, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
        else if (text !== run.expectBody) finish(index, Outcome.UNEXPECTED_BODY, at, `unexpected body: ${text.slice(0, 200)}`);
        else finish(index, Outcome.OK, at);
      });
    });
    // The deadline runs from the scheduled instant, like the latency.
    const timer = setTimeout(() => {
      timedOut = true;
      finish(index, Outcome.TIMEOUT, scheduled + run.timeoutMs, `no answer within ${run.timeoutMs} ms`);
      req.destroy();
    }, Math.max(0, scheduled + run.timeoutMs - performance.now()));
    req.on('error', (error) => {
      clearTimeout(timer);
      finish(index, timedOut ? Outcome.TIMEOUT : Outcome.SOCKET_ERROR, performance.now(), error.message);
    });
    req.end(body);
  };

  let next = 0;
  await new Promise<void>((resolveScheduled) => {
    const tick = () => {
      const now = performance.now();
      // Every request whose instant has come goes now: a late tick catches up instead of dropping load.
      while (next < total && scheduledAt(next) <= now) {
        if (next === windowFirst) send({ type: 'window', edge: 'start' });
        if (next === windowEnd) send({ type: 'window', edge: 'end' });
        fire(next++);
      }
      if (next < total) setTimeout(tick, Math.max(0, scheduledAt(next) - performance.now()));
      else resolveScheduled();
    };
    setTimeout(tick, Math.max(0, startMs - performance.now()));
  });
  allSent = true;
  if (inFlight > 0) await finished;
  agent.destroy();

  const windowStartMs = scheduledAt(windowFirst);
  const windowEndMs = scheduledAt(windowEnd);
  const windowSec = (windowEndMs - windowStartMs) / 1000;
  const latencies: number[] = [];
  const lags: number[] = [];
  const counts = { non2xx: 0, socketErrors: 0, timeouts: 0, unexpectedBodies: 0 };
  let failuresOutsideWindow = 0;
  let achieved = 0;
  for (let index = 0; index < total; index++) {
    const outcome = outcomes[index]!;
    if (outcome === Outcome.OK && doneAt[index]! >= windowStartMs && doneAt[index]! < windowEndMs) achieved++;
    if (!inWindow(index)) {
      if (outcome !== Outcome.OK) failuresOutsideWindow++;
      continue;
    }
    latencies.push(doneAt[index]! - scheduledAt(index));
    lags.push(sentAt[index]! - scheduledAt(index));
    if (outcome === Outcome.NON_2XX) counts.non2xx++;
    else if (outcome === Outcome.SOCKET_ERROR) counts.socketErrors++;
    else if (outcome === Outcome.TIMEOUT) counts.timeouts++;
    else if (outcome === Outcome.UNEXPECTED_BODY) counts.unexpectedBodies++;
  }
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    scheduled: latencies.length,
    windowSec,
    sentPerSec: latencies.length / windowSec,
    achievedPerSec: achieved / windowSec,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
      mean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(latencies.length, 1),
    },
    sendLagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) ?? NaN },
    maxInFlight,
    ...counts,
    failuresOutsideWindow,
    failureSamples: [...failureSamples],
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((sorted.length * p) / 100) - 1))]!;
}

process.on('message', (message: LoadMessage) => {
  if (message.type !== 'run') return;
  runOpenLoop(message.run).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
// Only now is the listener above in place: a run sent earlier would be lost.
send({ type: 'ready' });
