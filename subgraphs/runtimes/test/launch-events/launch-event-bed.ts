import { randomUUID } from 'node:crypto';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { signConnectionInit, type RunningSubgraph } from '@addon-platform/platform';
import { LaunchPhase, RuntimeOperationKind, type RuntimeInstance } from '@addon-platform/runtimes';
import { recordLaunchEvent, type LaunchEventInput } from '../../src/launch-events/index.js';

/** The `connection_init` payload a gateway would send for this token (anonymous without one). */
export const signedInit = (secret: string, token?: string) => signConnectionInit(secret, token ? `Bearer ${token}` : undefined);

export interface SubgraphSocket {
  client: Client;
  /** Resolves with the close code and reason when the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
}

/** A graphql-ws client straight to a subgraph, as the gateway connects; it does not retry. */
export function connectSubgraph(subgraph: RunningSubgraph, connectionParams: Record<string, unknown> | undefined): SubgraphSocket {
  const url = new URL(subgraph.graphqlUrl);
  url.protocol = 'ws:';
  let onClosed!: (close: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: url.href,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed({ code: (event as CloseEvent).code, reason: String((event as CloseEvent).reason) }) },
  });
  return { client, closed };
}

/** Reads results of a subscription one by one, each within a time limit, and tells when it completed. */
export class Subscription<Data = Record<string, any>> {
  private readonly iterator: AsyncIterableIterator<FormattedExecutionResult<Data, unknown>>;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.iterator = client.iterate<Data>({ query, variables });
  }

  async next(timeoutMs = 10_000): Promise<FormattedExecutionResult<Data, unknown> | 'complete'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const result = await Promise.race([this.iterator.next(), timeout]);
      return result.done ? 'complete' : result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next `count` results' data, failing on an error result. */
  async take(count: number): Promise<Data[]> {
    const items: Data[] = [];
    while (items.length < count) {
      const result = await this.next();
      if (result === 'complete') throw new Error(`completed after ${items.length} of ${count} results`);
      if (result.errors) throw new Error(`error result: ${JSON.stringify(result.errors)}`);
      items.push(result.data!);
    }
    return items;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** Starts an operation on the instance, as the launch service does: the row, and the instance pointing at it. */
export async function startOperation(runtimes: RunningSubgraph, instance: Pick<RuntimeInstance, 'id' | 'versionId'>, operation = RuntimeOperationKind.LAUNCH): Promise<string> {
  const id = randomUUID();
  const knex = runtimes.orm.em.getKnex();
  await knex.raw(`insert into runtimes.runtime_operation (id, instance_id, operation, phase, version_id, config, requested_by) values (?, ?, ?, 'QUEUED', ?, '{}', 'test')`, [
    id,
    instance.id,
    operation,
    instance.versionId,
  ]);
  await knex.raw('update runtimes.runtime_instance set operation_id = ? where id = ?', [id, instance.id]);
  return id;
}

/** Records one event in a transaction of its own, as an instance service would with its writes. */
export function record(runtimes: RunningSubgraph, input: LaunchEventInput) {
  return runtimes.orm.em.fork().transactional((em) => recordLaunchEvent(em, input));
}

/** Records the phases in order, each in its own transaction, for one operation. */
export async function recordPhases(runtimes: RunningSubgraph, instanceId: string, operationId: string, phases: LaunchPhase[], operation = RuntimeOperationKind.LAUNCH) {
  for (const phase of phases) await record(runtimes, { instanceId, operationId, operation, phase, message: `now ${phase}` });
}

export const LAUNCH_PHASES = [LaunchPhase.QUEUED, LaunchPhase.SCHEDULING, LaunchPhase.PULLING_IMAGE, LaunchPhase.STARTING, LaunchPhase.READY];

export const PROGRESS = `subscription ($id: ID!, $after: String) {
  runtimeLaunchProgress(instanceId: $id, after: $after) { cursor operation phase message reason createdAt instance { id status url createdAt updatedAt config upgradePolicy } }
}`;

export const CHANGES = `subscription ($after: String) {
  runtimeInstanceChanged(after: $after) { cursor status operation phase createdAt instance { id tenant } }
}`;
