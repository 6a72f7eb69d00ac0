import DataLoader from 'dataloader';
import { domainError, emptyConnection, isAnonymous, isOperator, selectRows, type Connection, type EntityManager, type Viewer } from '@addon-platform/platform';
import type { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import type { RuntimeInstanceService } from '../instances/runtime-instance.service.js';
import { isTerminalPhase } from '../instances/runtime-operation.entity.js';
import type { LaunchEventHub } from './launch-event-hub.js';
import {
  readFeedSequence,
  readFollowedOperation,
  readInstanceChanges,
  readLaunchEvents,
  type FollowedOperation,
  type InstanceChangeRecord,
  type LaunchEventRecord,
} from './launch-event-log.js';
import { followSequence } from './sequence-follower.js';

const MAX_SEQUENCE = 2n ** 63n - 1n;

/** A cursor of launch events or of the change feed: a sequence in decimal. `BAD_USER_INPUT` on `after` otherwise. */
export function readSequenceCursor(after: string): bigint {
  if (/^(0|[1-9][0-9]{0,18})$/.test(after) && BigInt(after) <= MAX_SEQUENCE) return BigInt(after);
  throw domainError('BAD_USER_INPUT', 'after is not a cursor of these events; pass the cursor of the last one you received, unchanged.', { field: 'after' });
}

/** Launch progress, the tenant's change feed and an instance's events, for one request or subscription. */
export class LaunchEventService {
  // Uncached: a subscription lives long, and each event shows the instance as it is then.
  private readonly instancesNow = new DataLoader<string, RuntimeInstance | null>((ids) => this.instances.readInstancesNow(ids), { cache: false });

  constructor(
    private readonly em: EntityManager,
    private readonly hub: LaunchEventHub,
    private readonly instances: RuntimeInstanceService,
  ) {}

  /**
   * The events of the instance's latest operation after the cursor (all of them without one), then
   * live, ending after that operation's terminal phase. With a cursor at an event of an earlier
   * operation, that operation is followed: a resumed subscription ends as the first would have.
   */
  async followLaunch(viewer: Viewer, instanceId: string, after: string | null | undefined): Promise<AsyncIterableIterator<LaunchEventRecord>> {
    const cursor = after == null ? 0n : readSequenceCursor(after);
    if (isAnonymous(viewer)) throw domainError('UNAUTHENTICATED', 'Sign in to follow a launch: send a bearer token.');
    if (!isOperator(viewer) && !viewer.tenant) throw domainError('FORBIDDEN', 'Your token names no tenant, so no runtime instance is yours to follow.');
    const instance = await this.instances.getInstance(viewer, instanceId);
    let followed: FollowedOperation | null = null;
    return followSequence<LaunchEventRecord>({
      listen: (sink) => this.hub.followInstance(instance.id, sink),
      start: async () => {
        followed = await readFollowedOperation(this.em, instance.id, cursor);
        if (!followed || (isTerminalPhase(followed.phase) && followed.lastSequence <= followed.after)) return null;
        return followed.after;
      },
      read: (from, limit) => readLaunchEvents(this.em, { instanceId: instance.id, after: from, limit }),
      wanted: (event) => event.operationId === followed!.operationId,
      isLast: (event) => isTerminalPhase(event.phase),
    });
  }

  /** The viewer's tenant's changes after the cursor, or from now on without one; never ends. */
  async followInstanceChanges(viewer: Viewer, after: string | null | undefined): Promise<AsyncIterableIterator<InstanceChangeRecord>> {
    const cursor = after == null ? undefined : readSequenceCursor(after);
    if (isAnonymous(viewer)) throw domainError('UNAUTHENTICATED', 'Sign in to follow your instances: send a bearer token.');
    const tenant = viewer.tenant;
    if (!tenant) throw domainError('FORBIDDEN', 'Your token names no tenant, so there is no feed of instances to follow.');
    return followSequence<InstanceChangeRecord>({
      listen: (sink) => this.hub.followTenant(tenant, sink),
      start: async () => cursor ?? readFeedSequence(this.em, tenant),
      read: (from, limit) => readInstanceChanges(this.em, { tenant, after: from, limit }),
    });
  }

  /** A page of the events of the instance's latest operation, oldest first; the instance is one the viewer sees. */
  async listLaunchEvents(instance: Pick<RuntimeInstance, 'id' | 'operationId'>, page: { first: number; after?: string }): Promise<Connection<LaunchEventRecord>> {
    const after = page.after === undefined ? 0n : readSequenceCursor(page.after);
    if (!instance.operationId) return emptyConnection();
    const [events, [counted]] = await Promise.all([
      readLaunchEvents(this.em, { instanceId: instance.id, operationId: instance.operationId, after, limit: page.first + 1 }),
      selectRows<{ count: number }>(this.em, { sql: 'select count(*)::int as count from runtimes.launch_event where operation_id = ?', bindings: [instance.operationId] }),
    ]);
    const edges = events.slice(0, page.first).map((event) => ({ cursor: event.cursor, node: event }));
    return {
      edges,
      pageInfo: {
        hasNextPage: events.length > page.first,
        hasPreviousPage: page.after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: counted!.count,
    };
  }

  /** The instance of an event or change, as it is now. */
  instanceNow(instanceId: string): Promise<RuntimeInstance | null> {
    return this.instancesNow.load(instanceId);
  }
}
