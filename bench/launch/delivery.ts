import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { readCpusBusyMs, waitForQuietCpus } from '../gateway/cpu-time.js';
import type { ServerProcess } from '../gateway/servers.js';
import { startInjector, type Injected } from './injector.js';
import { postgresCpuBetween, readPostgresBackendsCpuMs } from './postgres-cpu.js';
import { ascending } from './stats.js';
import { cursorProblems, follow, type Followed } from './subgraph-client.js';

/** Sockets opened at once: a thousand handshakes together would only measure the accept queue. */
const SOCKETS_AT_ONCE = 100;
/** How long events still in flight after the last one is injected may take to arrive. */
const DRAIN_MS = 10_000;
/** How long the warm-up's events may take to reach every subscriber (the subscriptions start meanwhile). */
const WARMUP_ARRIVAL_MS = 60_000;

export interface FollowedInstance {
  id: string;
  tenant: string;
  operationId: string;
}

export interface DeliveryFigures {
  subscribers: number;
  sockets: number;
  /** Events injected (committed), deliveries they owe (one per subscriber of the event's instance) and deliveries received, warm-up included. */
  sent: number;
  expected: number;
  received: number;
  measuredSent: number;
  measuredExpected: number;
  /** Commit-return → receipt, one per delivery of the measured window, ascending. */
  latencyMs: number[];
  /** Deliveries of measured events that never arrived. */
  missing: number;
  achievedPerSec: number;
  /** Measured events over the time from the window's start to the last one's commit: below the rate, commits fell behind the schedule. */
  committedPerSec: number;
  /** How late the injector started an event after its scheduled instant: its own health. */
  injectorLagMaxMs: number;
  commitMs: number[];
  problems: string[];
  /** CPU time of each of the part's `servers` during the window, in their order. */
  serverCpuMs: number[];
  serverCpuBusyMs: number;
  /** CPU time of the database's backends from the window's start to the measured events' last commit; null when /proc cannot show them. */
  postgresCpuMs: number | null;
  /** CPU time of this process (subscribers and injector) during the window: near the window's length, the load generator is the bottleneck. */
  loadCpuMs: number;
  windowMs: number;
}

export interface DeliveryPart {
  /** Events are injected over these in turn. */
  instances: FollowedInstance[];
  /** For each subscription, the index in `instances` of the instance it follows. */
  subscriptions: number[];
  /** Consecutive subscriptions share a socket, this many to one. */
  subscriptionsPerSocket: number;
  /** Opens the socket carrying subscriptions `socket × subscriptionsPerSocket` onwards. */
  openSocket(socket: number): Promise<Client>;
  query: string;
  /** Events per second in total, on schedule (open loop). */
  rate: number;
  /** Measured seconds of injection. */
  durationSec: number;
  /** Unmeasured events before the window, at the same rate; at least one per instance, which proves every subscription live. */
  warmupEvents: number;
  /** Processes whose CPU time is read over the window. */
  servers: ServerProcess[];
  serverCpus: readonly number[];
  databaseUrl: string;
  /**
   * Waits up to this long after subscribing for the servers' CPUs to go quiet, so that the warm-up's
   * commits do not meet thousands of subscriptions still starting. Default 0.
   */
  settleMs?: number;
  /** Connections the injector may hold, so many events committing at once. Default 10. */
  injectorPoolMax?: number;
  /** Runs as the window closes, with every subscription still open. */
  onWindowEnd?(): void;
}

/**
 * Opens the part's subscriptions, then writes events from an injector on a worker thread of this
 * process (injector.ts), each in its own transaction, at a fixed rate over the instances in turn (shuffled once): a
 * warm-up, then the measured window. Latency runs from the injector's commit returning to each
 * subscriber's receipt, both on one clock.
 */
export async function measureDelivery(part: DeliveryPart, log: (message: string) => void): Promise<DeliveryFigures> {
  const { instances } = part;
  const socketCount = Math.ceil(part.subscriptions.length / part.subscriptionsPerSocket);
  log(`opening ${socketCount} graphql-ws connections and ${part.subscriptions.length} subscriptions`);
  const sockets: Client[] = [];
  try {
    for (let from = 0; from < socketCount; from += SOCKETS_AT_ONCE) {
      const batch = Array.from({ length: Math.min(SOCKETS_AT_ONCE, socketCount - from) }, (_, offset) => from + offset);
      sockets.push(...(await Promise.all(batch.map((socket) => part.openSocket(socket)))));
    }
  } catch (error) {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    throw error;
  }
  const subscriptions = part.subscriptions.map((instance, index) =>
    follow(sockets[Math.floor(index / part.subscriptionsPerSocket)]!, part.query, instances[instance]!.id, () => performance.now()),
  );
  const followed = subscriptions.map(({ followed }) => followed);
  const followersOf = new Map<string, Followed[]>();
  for (const one of followed) {
    const followers = followersOf.get(one.instanceId);
    if (followers) followers.push(one);
    else followersOf.set(one.instanceId, [one]);
  }
  const owed = (events: Injected[]) => events.reduce((sum, event) => sum + (followersOf.get(event.instanceId)?.length ?? 0), 0);

  if (part.settleMs) await waitForQuietCpus(part.serverCpus, { timeoutMs: part.settleMs });
  const injector = await startInjector({ databaseUrl: part.databaseUrl, poolMax: part.injectorPoolMax ?? 10, instances });
  try {
    const inject = (count: number, offset: number, onScheduled?: () => void) => injector.run({ rate: part.rate, count, offset }, onScheduled);

    log(`warm-up: ${part.warmupEvents} events at ${part.rate}/s (${(part.warmupEvents / part.rate).toFixed(1)} s)`);
    const warmup = await inject(part.warmupEvents, 0);
    const warmupPerInstance = new Map<string, number>();
    for (const event of warmup) warmupPerInstance.set(event.instanceId, (warmupPerInstance.get(event.instanceId) ?? 0) + 1);
    await waitUntil(
      () => followed.every((one) => one.cursors.length >= (warmupPerInstance.get(one.instanceId) ?? 0) || one.errors.length > 0),
      WARMUP_ARRIVAL_MS,
      'every subscriber to receive its warm-up events',
    );

    const measuredCount = part.rate * part.durationSec;
    log(`measuring: ${measuredCount} events at ${part.rate}/s over ${part.durationSec} s`);
    const postgresBefore = await readPostgresBackendsCpuMs(part.databaseUrl);
    const cpuBefore = part.servers.map((server) => server.readCpuMs());
    const busyBefore = readCpusBusyMs(part.serverCpus);
    const loadBefore = process.cpuUsage();
    const windowStart = performance.now();
    let windowEnd = windowStart;
    let serverCpuMs: number[] = [];
    let serverCpuBusyMs = 0;
    let loadCpuMs = 0;
    const measured = await inject(measuredCount, part.warmupEvents, () => {
      // The window ends with the last scheduled event, not with the stragglers' commits.
      windowEnd = performance.now();
      serverCpuMs = part.servers.map((server, index) => server.readCpuMs() - cpuBefore[index]!);
      serverCpuBusyMs = readCpusBusyMs(part.serverCpus) - busyBefore;
      const load = process.cpuUsage(loadBefore);
      loadCpuMs = (load.user + load.system) / 1000;
      part.onWindowEnd?.();
    });
    const postgresCpuMs = postgresCpuBetween(postgresBefore, await readPostgresBackendsCpuMs(part.databaseUrl));
    const sent = warmup.length + measured.length;
    const expected = owed(warmup) + owed(measured);
    const receivedCount = () => followed.reduce((sum, one) => sum + one.cursors.length, 0);
    await waitUntil(() => receivedCount() >= expected, DRAIN_MS, 'every event to arrive').catch(() => undefined);

    const receivedAt = new Map<Followed, Map<string, number>>();
    for (const one of followed) receivedAt.set(one, new Map(one.cursors.map((cursor, index) => [cursor, one.receivedAt[index]!])));
    const latencies: number[] = [];
    let missing = 0;
    for (const event of measured) {
      for (const one of followersOf.get(event.instanceId) ?? []) {
        const at = receivedAt.get(one)!.get(event.cursor);
        if (at === undefined) missing++;
        else latencies.push(at - event.committedAt);
      }
    }
    const problems = followed.flatMap((one) => {
      const problem = checkFollowed(one);
      return problem ? [`${one.instanceId}: ${problem}`] : [];
    });
    return {
      subscribers: part.subscriptions.length,
      sockets: socketCount,
      sent,
      expected,
      received: receivedCount(),
      measuredSent: measured.length,
      measuredExpected: owed(measured),
      latencyMs: ascending(latencies),
      missing,
      achievedPerSec: measured.length / ((windowEnd - windowStart) / 1000),
      committedPerSec: measured.length / ((Math.max(...measured.map((event) => event.committedAt)) - windowStart) / 1000),
      injectorLagMaxMs: Math.max(...measured.map((event) => event.lagMs)),
      commitMs: ascending(measured.map((event) => event.commitMs)),
      problems,
      serverCpuMs,
      serverCpuBusyMs,
      postgresCpuMs,
      loadCpuMs,
      windowMs: windowEnd - windowStart,
    };
  } finally {
    for (const { unsubscribe } of subscriptions) unsubscribe();
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await injector.stop();
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(20);
  }
}

function checkFollowed(followed: Followed): string | undefined {
  if (followed.errors.length > 0) return `errors ${JSON.stringify(followed.errors).slice(0, 300)}`;
  if (followed.completed) return 'the subscription completed, though its operation has not ended';
  return cursorProblems(followed.cursors, 1n);
}
