import { performance } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { withClient } from '@addon-platform/platform/testing';
import { readCpusBusyMs } from '../gateway/cpu-time.js';
import type { ServerProcess } from '../gateway/servers.js';
import { socketOf, tenantOf, type LaunchBenchConfig } from './config.js';
import { postgresCpuBetween, readPostgresBackendsCpuMs } from './postgres-cpu.js';
import { ascending } from './stats.js';
import { cursorProblems, follow, progressSubscription, type Followed, type SubgraphClient } from './subgraph-client.js';

const LAUNCH = 'mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id status } }';

export interface LaunchFigures {
  launches: number;
  wallMs: number;
  /** Mutation sent → answer, and mutation sent → READY received by its subscriber, per launch. */
  answerMs: number[];
  readyMs: number[];
  notReady: number;
  eventsWritten: number;
  eventsDelivered: number;
  /** Launches whose subscriber did not get exactly the events written, in order, once each. */
  deliveryProblems: string[];
  runtimesCpuMs: number;
  postgresCpuMs: number | null;
  /** Busy time of the runtimes process's CPU, everything on it included (the kernel's loopback work too). */
  serverCpuBusyMs: number;
}

export interface LaunchPart {
  config: LaunchBenchConfig;
  runtimes: ServerProcess;
  client: SubgraphClient;
  databaseUrl: string;
  serverCpus: readonly number[];
  versionId: string;
  environmentId: string;
  tokenOf(tenant: string): string;
}

/**
 * Fires every `launchRuntime` at once and follows each instance from the moment its mutation answers
 * (the subscription replays from the operation's first event, so nothing is missed), until every one
 * has completed. The runtimes process's CPU is read just before the first mutation and once the last
 * subscription has completed.
 */
export async function measureLaunches(part: LaunchPart): Promise<LaunchFigures> {
  const { config, runtimes, client } = part;
  const query = progressSubscription(config.instanceField);
  const sockets = await openSockets(part, config.launches);

  const cpuBefore = runtimes.readCpuMs();
  const busyBefore = readCpusBusyMs(part.serverCpus);
  const postgresBefore = await readPostgresBackendsCpuMs(part.databaseUrl);
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: config.launches }, async (_, index) => {
      const sentAt = performance.now();
      const tenant = tenantOf(index, config);
      const { launchRuntime } = await client.request<{ launchRuntime: { id: string } }>(
        LAUNCH,
        { input: { versionId: part.versionId, environmentId: part.environmentId, name: `launch-${index}` } },
        part.tokenOf(tenant),
      );
      const answeredAt = performance.now();
      const { followed, ended } = follow(sockets[socketOf(index, config)]!, query, launchRuntime.id, () => performance.now());
      await ended;
      return { sentAt, answeredAt, followed };
    }),
  );
  const finished = performance.now();
  const runtimesCpuMs = runtimes.readCpuMs() - cpuBefore;
  const serverCpuBusyMs = readCpusBusyMs(part.serverCpus) - busyBefore;
  const postgresCpuMs = postgresCpuBetween(postgresBefore, await readPostgresBackendsCpuMs(part.databaseUrl));
  await Promise.all(sockets.map((socket) => socket.dispose()));

  const written = await readWrittenCursors(part.databaseUrl, runs.map(({ followed }) => followed.instanceId));
  const deliveryProblems = runs.flatMap(({ followed }) => {
    const problem = checkDelivery(followed, written.get(followed.instanceId) ?? []);
    return problem ? [`${followed.instanceId}: ${problem}`] : [];
  });
  const readyAt = runs.map(({ sentAt, followed }) => (followed.phases.at(-1) === 'READY' ? followed.receivedAt.at(-1)! - sentAt : null));
  const lastReady = Math.max(...runs.map(({ followed }) => (followed.phases.at(-1) === 'READY' ? followed.receivedAt.at(-1)! : Number.NEGATIVE_INFINITY)));
  return {
    launches: config.launches,
    wallMs: (Number.isFinite(lastReady) ? lastReady : finished) - started,
    answerMs: ascending(runs.map(({ sentAt, answeredAt }) => answeredAt - sentAt)),
    readyMs: ascending(readyAt.filter((value): value is number => value !== null)),
    notReady: readyAt.filter((value) => value === null).length,
    eventsWritten: [...written.values()].reduce((sum, cursors) => sum + cursors.length, 0),
    eventsDelivered: runs.reduce((sum, { followed }) => sum + followed.cursors.length, 0),
    deliveryProblems,
    runtimesCpuMs,
    postgresCpuMs,
    serverCpuBusyMs,
  };
}

async function openSockets(part: LaunchPart, subscriptions: number): Promise<Client[]> {
  const count = socketOf(subscriptions - 1, part.config) + 1;
  return Promise.all(Array.from({ length: count }, (_, socket) => part.client.openSocket(part.tokenOf(tenantOf(socket * part.config.subscriptionsPerSocket, part.config)))));
}

/** Each instance's events as written, by cursor. */
async function readWrittenCursors(databaseUrl: string, instanceIds: string[]): Promise<Map<string, string[]>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ instance_id: string; cursors: string[] }>(
      'select instance_id, array_agg(sequence::text order by sequence) as cursors from runtimes.launch_event where instance_id = any($1::uuid[]) group by instance_id',
      [instanceIds],
    );
    return new Map(rows.map((row) => [row.instance_id, row.cursors]));
  });
}

function checkDelivery(followed: Followed, written: string[]): string | undefined {
  if (followed.errors.length > 0) return `errors ${JSON.stringify(followed.errors).slice(0, 300)}`;
  if (!followed.completed) return 'the subscription did not complete';
  if (followed.phases.at(-1) !== 'READY') return `ended ${followed.phases.at(-1) ?? 'without events'}, not READY`;
  const order = cursorProblems(followed.cursors, 1n);
  if (order) return order;
  if (followed.cursors.join(',') !== written.join(',')) return `delivered cursors ${followed.cursors.join(',')}, written ${written.join(',')}`;
  return undefined;
}
