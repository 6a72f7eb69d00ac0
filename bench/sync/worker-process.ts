/**
 * Child entry of the sync bench: an addons subgraph replica configured from its environment (the
 * bench sets `JOB_CONCURRENCY=1`, so this process runs the `addons.syncRepo` jobs), with two
 * observers that leave the sync code as it is:
 *  - memory: `process.memoryUsage()` every 50 ms, plus the kernel's exact high-water mark (maxRSS);
 *  - statements: the `pg` driver's `Client.prototype.query` is wrapped to record when each statement
 *    was sent and answered, which places the sync's phases on the clock (read, stage, write, commit).
 * It answers the bench's questions about a time window over IPC, and stops on SIGTERM or when the
 * bench goes away.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { BenchMessage, EpochMs, MemorySample, QueryEvent, WindowReport, WorkerMessage } from './protocol.js';

const SAMPLE_EVERY_MS = 50;
const SQL_CHARS = 2000;
const now = (): EpochMs => performance.timeOrigin + performance.now();
const send = (message: WorkerMessage) => process.send?.(message);

const queries: QueryEvent[] = [];
recordStatements();

interface Sample extends MemorySample {
  cpuMs: number;
}
const samples: Sample[] = [];
const sample = () => {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  samples.push({ at: now(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, cpuMs: (cpu.user + cpu.system) / 1000 });
};
sample();
setInterval(sample, SAMPLE_EVERY_MS).unref();

/**
 * Wraps the driver's `query` (knex, under MikroORM, and graphile-worker both use this `pg`) to record
 * each statement's start and end. Queries submitted as objects (cursors, streams) pass through unrecorded.
 */
function recordStatements(): void {
  type Query = (this: pg.Client, ...args: unknown[]) => unknown;
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [config, values] = args as [{ text?: unknown; values?: unknown; submit?: unknown } | string, unknown];
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text !== 'string' || (typeof config === 'object' && typeof config.submit === 'function')) return original.apply(this, args);
    const params = Array.isArray(values) ? values : typeof config === 'object' && Array.isArray(config.values) ? config.values : [];
    // Cut before folding: MikroORM inlines parameters, so a staging insert's text is megabytes of JSON.
    const head = text.length > SQL_CHARS ? text.slice(0, SQL_CHARS) : text;
    const event: QueryEvent = { start: now(), end: 0, sql: head.replace(/\s+/g, ' ').trim(), chars: text.length + paramChars(params) };
    queries.push(event);
    const done = () => {
      event.end = now();
    };
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    if (callbackAt >= 0) {
      const callback = args[callbackAt] as (...results: unknown[]) => unknown;
      args[callbackAt] = function (this: unknown, ...results: unknown[]) {
        done();
        return callback.apply(this, results);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    return result;
  };
}

function paramChars(params: unknown[]): number {
  let chars = 0;
  for (const param of params) if (typeof param === 'string') chars += param.length;
  return chars;
}

function windowReport(from: EpochMs, to: EpochMs): WindowReport {
  const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
  const before = samples.filter((s) => s.at < from).at(-1) ?? null;
  const after = samples.find((s) => s.at > to) ?? samples.at(-1)!;
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  for (const s of inWindow) {
    peak.rss = Math.max(peak.rss, s.rss);
    peak.heapUsed = Math.max(peak.heapUsed, s.heapUsed);
    peak.external = Math.max(peak.external, s.external);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, s.arrayBuffers);
  }
  const strip = (s: Sample | null) => (s ? { rss: s.rss, heapUsed: s.heapUsed, external: s.external, arrayBuffers: s.arrayBuffers } : null);
  return {
    queries: queries.filter((query) => query.start >= from && query.start <= to),
    peak,
    before: strip(before),
    lifetimeMaxRss: process.resourceUsage().maxRSS * 1024,
    cpuMs: after.cpuMs - (before ?? samples[0]!).cpuMs,
    timeline: inWindow.map((s) => ({ at: s.at, rss: s.rss, heapUsed: s.heapUsed })),
  };
}

try {
  const { readConfig, startAddonsSubgraph } = await import('@addon-platform/addons');
  const addons = await startAddonsSubgraph(readConfig(process.env));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await addons.stop().catch((error: unknown) => console.error('sync bench worker: failed to stop cleanly', error));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (message: BenchMessage) => {
    if (message.type === 'window') send({ type: 'window', id: message.id, report: windowReport(message.from, message.to) });
  });
  // Only the last hour's records matter; a long bench would otherwise keep every heartbeat.
  setInterval(() => {
    const horizon = now() - 3_600_000;
    while (queries.length > 0 && queries[0]!.start < horizon) queries.shift();
    while (samples.length > 1 && samples[0]!.at < horizon) samples.shift();
  }, 60_000).unref();
  send({ type: 'ready', pid: process.pid, graphqlUrl: addons.graphqlUrl.href, startupMaxRss: process.resourceUsage().maxRSS * 1024 });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
