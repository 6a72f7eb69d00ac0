/**
 * Child entry: the load generator, pinned to its own CPU. It runs one autocannon run per `run`
 * message, reports the measured window's edges as they pass, and answers with the window's figures;
 * it exits when the bench goes away (IPC disconnect).
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { LoadMessage, LoadResult, LoadRun } from './load-protocol.js';

/** Load goes on a little past the window, so its end edge is still under steady load. */
const TAIL_SEC = 1;

const send = (message: LoadMessage) => process.send?.(message);

async function runLoad(run: LoadRun): Promise<LoadResult> {
  // autocannon's own histogram keeps whole milliseconds, and covers the warm-up; the window needs its own.
  const latenciesMs: number[] = [];
  const errorMessages = new Set<string>();
  let window: { startMs: number; endMs?: number } | undefined;
  const startTimer = setTimeout(() => {
    window = { startMs: performance.now() };
    send({ type: 'window', edge: 'start' });
  }, run.warmupSec * 1000);
  const endTimer = setTimeout(() => {
    window!.endMs = performance.now();
    send({ type: 'window', edge: 'end' });
  }, (run.warmupSec + run.durationSec) * 1000);

  const result = await new Promise<autocannon.Result>((resolveRun, reject) => {
    const instance = autocannon(
      {
        url: run.url,
        method: 'POST',
        headers: run.headers,
        body: run.body,
        connections: run.connections,
        duration: run.warmupSec + run.durationSec + TAIL_SEC,
        expectBody: run.expectBody,
      },
      (error, finished) => (error ? reject(error) : resolveRun(finished)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      if (window && window.endMs === undefined) latenciesMs.push(responseTimeMs);
    });
    instance.on('reqError', (error: Error) => {
      if (errorMessages.size < 5) errorMessages.add(error.message);
    });
  }).finally(() => {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
  });
  if (window?.endMs === undefined) throw new Error('the run ended before its measured window did');

  const elapsedSec = (window.endMs - window.startMs) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((latenciesMs.length * p) / 100))] ?? NaN;
  return {
    responses: latenciesMs.length,
    elapsedSec,
    requestsPerSec: latenciesMs.length / elapsedSec,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    errorMessages: [...errorMessages],
    mismatches: result.mismatches,
  };
}

process.on('message', (message: LoadMessage) => {
  if (message.type !== 'run') return;
  runLoad(message.run).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
// Only now is the listener above in place: a run sent earlier would be lost.
send({ type: 'ready' });
