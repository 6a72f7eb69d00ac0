import { selectRows, type EntityManager, type SqlText } from '@addon-platform/platform';
import type { RuntimeInstanceStatus } from '../instances/runtime-instance.entity.js';
import { isTerminalPhase, type LaunchPhase, type RuntimeOperationKind } from '../instances/runtime-operation.entity.js';

/** The one channel every replica LISTENs on; a notice carries a launch event and the tenant's change with it (queued by migration 0004's trigger, sent by launch-notices.ts). */
export const LAUNCH_EVENTS_CHANNEL = 'runtimes_launch_events';

export interface LaunchEventInput {
  instanceId: string;
  operationId: string;
  operation: RuntimeOperationKind;
  phase: LaunchPhase;
  /** For a person; cut at {@link MAX_MESSAGE_LENGTH}. */
  message: string;
  /** For a machine, when it fails: `UPPER_SNAKE_CASE`. */
  reason?: string | null;
  /** The instance's status from this event on, when it changes. */
  status?: RuntimeInstanceStatus;
  /** Its service URL from this event on, when it changes (null clears it). */
  url?: string | null;
  /** The version it runs from this event on, when it changes. */
  versionId?: string;
}

/** A launch event; its cursor is its sequence among its instance's events, in decimal. */
export interface LaunchEventRecord {
  cursor: string;
  instanceId: string;
  operationId: string;
  operation: RuntimeOperationKind;
  phase: LaunchPhase;
  message: string;
  reason: string | null;
  createdAt: Date;
}

/** An entry of a tenant's change feed; its cursor is its sequence in the feed, in decimal. */
export interface InstanceChangeRecord {
  cursor: string;
  instanceId: string;
  status: RuntimeInstanceStatus;
  operation: RuntimeOperationKind;
  phase: LaunchPhase;
  createdAt: Date;
}

/** What a NOTIFY on {@link LAUNCH_EVENTS_CHANNEL} carries: one launch event and the change it made to its tenant's feed. */
export interface LaunchNotice {
  tenant: string;
  instanceId: string;
  sequence: string;
  operationId: string;
  operation: RuntimeOperationKind;
  phase: LaunchPhase;
  /** Null when too long for a notification (8000 bytes at most): the event is then read from the database. */
  message: string | null;
  reason: string | null;
  status: RuntimeInstanceStatus;
  changeSequence: string;
  createdAt: string;
  changeCreatedAt: string;
}

/** The column's limit (migration 0003). */
export const MAX_MESSAGE_LENGTH = 2000;

// The ORM's connections leave timestamps as PostgreSQL prints them; milliseconds since the epoch read back exactly.
const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
const withDates = <Row extends { createdAt: number }>(rows: Row[]) => rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt) }));

const EVENT_COLUMNS = `e.sequence::text as cursor, e.instance_id as "instanceId", e.operation_id as "operationId", e.operation, e.phase,
  e.message, e.reason, ${epochMs('e.created_at')} as "createdAt"`;

/**
 * Records one step of an operation, inside the caller's transaction and with its writes: runs
 * {@link launchEventStatement}. At commit, the event's trigger (migration 0004) appends the tenant's
 * change and queues the notice every replica's hub receives once it is sent (launch-notices.ts).
 */
export async function recordLaunchEvent(em: EntityManager, input: LaunchEventInput): Promise<LaunchEventRecord> {
  if (!em.getTransactionContext()) throw new Error('recordLaunchEvent runs inside the transaction that makes the change it records.');
  const statement = launchEventStatement(input);
  const [row] = await selectRows<LaunchEventRow>(em, statement);
  return statement.recordOf(row);
}

const PARAMETER_CASTS = ['::uuid', '::uuid', '', '', '', '', '', '', '', '', '::uuid'];

/** What {@link launchEventStatement} answers. */
export interface LaunchEventRow {
  sequence: string | null;
  createdAt: number | null;
}

/**
 * The one statement that records a launch event, with knex's `?` bindings: migration 0004's
 * `record_launch_event` takes the instance's next event sequence (the instance row stays locked to
 * commit, so sequence order is commit order) and applies the status, URL and version given; moves
 * the operation to the phase (finished when terminal); appends the event. `recordOf` reads its row,
 * and fails when the instance or the operation does not exist. Apart from {@link recordLaunchEvent},
 * for a load generator that writes events on bare connections.
 */
export function launchEventStatement(input: LaunchEventInput): SqlText & {
  /** The same statement for a bare pg connection: `$n` parameters. */
  pg: { text: string; values: unknown[] };
  recordOf(row: LaunchEventRow | undefined): LaunchEventRecord;
} {
  const message = input.message.length > MAX_MESSAGE_LENGTH ? `${input.message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : input.message;
  const reason = input.reason ?? null;
  const bindings = [
    input.instanceId,
    input.operationId,
    input.operation,
    input.phase,
    isTerminalPhase(input.phase),
    message,
    reason,
    input.status ?? null,
    input.url !== undefined,
    input.url ?? null,
    input.versionId ?? null,
  ];
  // record_launch_event's parameters, with the casts its uuid ones need.
  const call = (marker: (position: number) => string) =>
    `select recorded_sequence::text as sequence, recorded_at_ms as "createdAt"
       from runtimes.record_launch_event(${PARAMETER_CASTS.map((cast, index) => marker(index + 1) + cast).join(', ')})`;
  return {
    sql: call(() => '?'),
    bindings,
    pg: { text: call((position) => `$${position}`), values: bindings },
    recordOf(row) {
      if (!row || row.sequence === null) throw new Error(`No runtime instance ${input.instanceId} to record a launch event of.`);
      if (row.createdAt === null) throw new Error(`Instance ${input.instanceId} has no ${input.operation} operation ${input.operationId}.`);
      const { instanceId, operationId, operation, phase } = input;
      return { cursor: row.sequence, instanceId, operationId, operation, phase, message, reason, createdAt: new Date(row.createdAt) };
    },
  };
}

/** The event a notice carries, when it carries all of it. */
export function eventOfNotice(notice: LaunchNotice): LaunchEventRecord | undefined {
  if (notice.message === null) return undefined;
  const { sequence, instanceId, operationId, operation, phase, message, reason, createdAt } = notice;
  return { cursor: sequence, instanceId, operationId, operation, phase, message, reason, createdAt: new Date(createdAt) };
}

export function changeOfNotice(notice: LaunchNotice): InstanceChangeRecord {
  const { changeSequence, instanceId, status, operation, phase, changeCreatedAt } = notice;
  return { cursor: changeSequence, instanceId, status, operation, phase, createdAt: new Date(changeCreatedAt) };
}

/** An instance's events after a sequence, in order, at most `limit`; of one operation when `operationId` is given. */
export async function readLaunchEvents(
  em: EntityManager,
  query: { instanceId: string; operationId?: string; after: bigint; limit: number },
): Promise<LaunchEventRecord[]> {
  const { instanceId, operationId, after, limit } = query;
  const rows = await selectRows<Omit<LaunchEventRecord, 'createdAt'> & { createdAt: number }>(em, {
    sql: `select ${EVENT_COLUMNS} from runtimes.launch_event e
           where e.instance_id = ? and e.sequence > ?::bigint ${operationId ? 'and e.operation_id = ?' : ''}
           order by e.sequence limit ?`,
    bindings: [instanceId, after.toString(), ...(operationId ? [operationId] : []), limit],
  });
  return withDates(rows);
}

/** A tenant's feed after a sequence, in order, at most `limit`. */
export async function readInstanceChanges(em: EntityManager, query: { tenant: string; after: bigint; limit: number }): Promise<InstanceChangeRecord[]> {
  const rows = await selectRows<Omit<InstanceChangeRecord, 'createdAt'> & { createdAt: number }>(em, {
    sql: `select c.sequence::text as cursor, c.instance_id as "instanceId", c.status, c.operation, c.phase, ${epochMs('c.created_at')} as "createdAt"
            from runtimes.instance_change c
           where c.tenant = ? and c.sequence > ?::bigint
           order by c.sequence limit ?`,
    bindings: [query.tenant, query.after.toString(), query.limit],
  });
  return withDates(rows);
}

/** The last sequence of a tenant's feed (0 before its first change). */
export async function readFeedSequence(em: EntityManager, tenant: string): Promise<bigint> {
  const [feed] = await selectRows<{ lastSequence: string }>(em, {
    sql: 'select last_sequence::text as "lastSequence" from runtimes.tenant_feed where tenant = ?',
    bindings: [tenant],
  });
  return BigInt(feed?.lastSequence ?? 0);
}

/** Which operation launch progress follows and from where; see {@link readFollowedOperation}. */
export interface FollowedOperation {
  operationId: string;
  phase: LaunchPhase;
  /** The instance sequence to read on from: the cursor, or just before the operation's first event. */
  after: bigint;
  /** Its last event so far (0 when none). */
  lastSequence: bigint;
}

/**
 * The operation whose progress a subscription follows: the one of the event at the cursor, so a
 * subscription resumed after its operation was superseded still ends with that operation's terminal
 * event; else the instance's latest. Null when the instance has had no operation.
 */
export async function readFollowedOperation(em: EntityManager, instanceId: string, after: bigint): Promise<FollowedOperation | null> {
  const [row] = await selectRows<{ operationId: string; phase: LaunchPhase; firstSequence: string | null; lastSequence: string | null; eventSequence: string }>(em, {
    sql: `select o.id as "operationId", o.phase, i.event_sequence::text as "eventSequence",
                 bounds.first::text as "firstSequence", bounds.last::text as "lastSequence"
            from runtimes.runtime_instance i
            join runtimes.runtime_operation o
              on o.id = coalesce((select e.operation_id from runtimes.launch_event e where e.instance_id = i.id and e.sequence = ?::bigint), i.operation_id)
            cross join lateral (select min(e.sequence) as first, max(e.sequence) as last from runtimes.launch_event e where e.operation_id = o.id) bounds
           where i.id = ?`,
    bindings: [after.toString(), instanceId],
  });
  if (!row) return null;
  // An operation without events yet has them all after the instance's current sequence.
  const start = row.firstSequence === null ? BigInt(row.eventSequence) : BigInt(row.firstSequence) - 1n;
  return { operationId: row.operationId, phase: row.phase, after: after > start ? after : start, lastSequence: BigInt(row.lastSequence ?? 0) };
}
