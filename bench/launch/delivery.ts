import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { createLogger, createOrm, type SubgraphOrm } from '@addon-platform/platform';
import { LaunchPhase, RuntimeOperationKind } from '@addon-platform/runtimes';
// The package's front door does not export it: the injector writes events exactly as the runner does.
import { recordLaunchEvent } from '../../subgraphs/runtimes/src/launch-events/index.js';
import { readCpusBusyMs } from '../gateway/cpu-time.js';
import type { ServerProcess } from '../gateway/servers.js';
import { socketOf, tenantOf, type LaunchBenchConfig } from './config.js';
import { ascending } from './stats.js';
import { cursorProblems, follow, progressSubscription, type Followed, type SubgraphClient } from './subgraph-client.js';

/** Non-terminal, so every subscription stays open for the whole run. */
const PHASES = [LaunchPhase.SCHEDULING, LaunchPhase.PULLING_IMAGE, LaunchPhase.STARTING];
/** Sockets opened at once: a thousand handshakes together would only measure the accept queue. */
const SOCKETS_AT_ONCE = 100;
/** How long events still in flight after the last one is injected may take to arrive. */
const DRAIN_MS = 10_000;

export interface DeliveryFigures {
  subscribers: number;
  sockets: number;
  /** Events injected (committed) and received, warm-up included. */
  sent: number;
  received: number;
  measuredSent: number;
  /** Commit-return → receipt, measured window only, ascending. */
  latencyMs: number[];
  /** Measured events committed but never received. */
  missing: number;
  achievedPerSec: number;
  /** How late the injector started an event after its scheduled instant: its own health. */
  injectorLagMaxMs: number;
  commitMs: number[];
  problems: string[];
  runtimesCpuMs: number;
  serverCpuBusyMs: number;
  windowMs: number;
}

export interface DeliveryPart {
  config: LaunchBenchConfig;
  runtimes: ServerProcess;
  client: SubgraphClient;
  databaseUrl: string;
  serverCpus: readonly number[];
  instances: { id: string; tenant: string; operationId: string }[];
  tokenOf(tenant: string): string;
}

interface Injected {
  instanceId: string;
  cursor: string;
  committedAt: number;
  commitMs: number;
  lagMs: number;
}

/**
 * One subscription per instance, then events written by an injector of this process, each in its own
 * transaction through its own ORM, at a fixed rate over the instances in turn: a warm-up of one event
 * per instance (which also proves every subscription live), then the measured window. Latency runs
 * from the injector's commit returning to the subscriber's receipt, both on this process's clock.
 */
export async function measureDelivery(part: DeliveryPart, log: (message: string) => void): Promise<DeliveryFigures> {
  const { config, runtimes, instances } = part;
  const query = progressSubscription(config.instanceField);
  const socketCount = socketOf(instances.length - 1, config) + 1;
  log(`opening ${socketCount} graphql-ws connections and ${instances.length} subscriptions`);
  const sockets: Client[] = [];
  for (let from = 0; from < socketCount; from += SOCKETS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(SOCKETS_AT_ONCE, socketCount - from) }, (_, offset) => from + offset);
    sockets.push(...(await Promise.all(batch.map((socket) => part.client.openSocket(part.tokenOf(tenantOf(socket * config.subscriptionsPerSocket, config)))))));
  }
  const subscriptions = instances.map((instance, index) => follow(sockets[socketOf(index, config)]!, query, instance.id, () => performance.now()));
  const followed = subscriptions.map(({ followed }) => followed);

  const orm = await createOrm({ databaseUrl: part.databaseUrl, schema: 'runtimes', entities: [], migrations: [], logger: createLogger({ service: 'bench-injector', level: 'warn' }) });
  try {
    const inject = (count: number, offset: number, onScheduled?: () => void) => injectOpenLoop(orm, instances, config.rate, count, offset, onScheduled);

    log(`warm-up: one event per instance at ${config.rate}/s (${(instances.length / config.rate).toFixed(1)} s)`);
    const warmup = await inject(instances.length, 0);
    await waitUntil(() => followed.every((one) => one.cursors.length > 0 || one.errors.length > 0), 30_000, 'every subscriber to receive its warm-up event');

    const measuredCount = config.rate * config.durationSec;
    log(`measuring: ${measuredCount} events at ${config.rate}/s over ${config.durationSec} s`);
    const cpuBefore = runtimes.readCpuMs();
    const busyBefore = readCpusBusyMs(part.serverCpus);
    const windowStart = performance.now();
    let windowEnd = windowStart;
    let runtimesCpuMs = 0;
    let serverCpuBusyMs = 0;
    const measured = await inject(measuredCount, instances.length, () => {
      // The window ends with the last scheduled event, not with the stragglers' commits.
      windowEnd = performance.now();
      runtimesCpuMs = runtimes.readCpuMs() - cpuBefore;
      serverCpuBusyMs = readCpusBusyMs(part.serverCpus) - busyBefore;
    });
    const sent = warmup.length + measured.length;
    const receivedCount = () => followed.reduce((sum, one) => sum + one.cursors.length, 0);
    await waitUntil(() => receivedCount() >= sent, DRAIN_MS, 'every event to arrive').catch(() => undefined);

    const receivedAt = new Map<string, number>();
    for (const one of followed) one.cursors.forEach((cursor, index) => receivedAt.set(`${one.instanceId}:${cursor}`, one.receivedAt[index]!));
    const latencies: number[] = [];
    let missing = 0;
    for (const event of measured) {
      const at = receivedAt.get(`${event.instanceId}:${event.cursor}`);
      if (at === undefined) missing++;
      else latencies.push(at - event.committedAt);
    }
    const problems = followed.flatMap((one) => {
      const problem = checkFollowed(one);
      return problem ? [`${one.instanceId}: ${problem}`] : [];
    });
    return {
      subscribers: instances.length,
      sockets: socketCount,
      sent,
      received: receivedCount(),
      measuredSent: measured.length,
      latencyMs: ascending(latencies),
      missing,
      achievedPerSec: measured.length / ((windowEnd - windowStart) / 1000),
      injectorLagMaxMs: Math.max(...measured.map((event) => event.lagMs)),
      commitMs: ascending(measured.map((event) => event.commitMs)),
      problems,
      runtimesCpuMs,
      serverCpuBusyMs,
      windowMs: windowEnd - windowStart,
    };
  } finally {
    for (const { unsubscribe } of subscriptions) unsubscribe();
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await orm.close();
  }
}

/**
 * Writes `count` events, the k-th to instance (offset + k) mod n, each started at its scheduled
 * instant whether or not the ones before have committed (open loop). `onScheduled` runs once the last
 * has been started.
 */
async function injectOpenLoop(
  orm: SubgraphOrm,
  instances: DeliveryPart['instances'],
  rate: number,
  count: number,
  offset: number,
  onScheduled?: () => void,
): Promise<Injected[]> {
  const writes: Promise<Injected>[] = [];
  const start = performance.now();
  const dueAt = (k: number) => start + (k * 1000) / rate;
  const write = async (k: number): Promise<Injected> => {
    const startedAt = performance.now();
    const instance = instances[(offset + k) % instances.length]!;
    const record = await orm.em.fork().transactional((em) =>
      recordLaunchEvent(em, {
        instanceId: instance.id,
        operationId: instance.operationId,
        operation: RuntimeOperationKind.LAUNCH,
        phase: PHASES[(offset + k) % PHASES.length]!,
        message: `bench event ${offset + k}`,
      }),
    );
    const committedAt = performance.now();
    return { instanceId: instance.id, cursor: record.cursor, committedAt, commitMs: committedAt - startedAt, lagMs: startedAt - dueAt(k) };
  };
  for (let k = 0; k < count; k++) {
    const wait = dueAt(k) - performance.now();
    if (wait > 0) await sleep(wait);
    const written = write(k);
    // Awaited together below; until then a failure (the database going away on Ctrl-C) must not count as unhandled.
    written.catch(() => undefined);
    writes.push(written);
  }
  onScheduled?.();
  return Promise.all(writes);
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
