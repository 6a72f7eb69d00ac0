import { selectRows, type JobContext, type Logger, type SubgraphOrm } from '@addon-platform/platform';
import { ClusterError, buildInstanceObjects, type KubernetesDriver, type PhaseEvent } from '../driver/index.js';
import type { EnvironmentClusters } from '../environments/environment-clusters.js';
import { Environment } from '../environments/environment.entity.js';
import { recordLaunchEvent } from '../launch-events/index.js';
import { findLaunchableVersion } from './launchable-version.js';
import type { RunOperationPayload } from './operation-command.js';
import { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus } from './runtime-instance.entity.js';
import { LaunchPhase, RuntimeOperationKind, RuntimeOperationRun, isTerminalPhase } from './runtime-operation.entity.js';

/** The port every runtime and config service image serves on (ADR 015): the catalog declares none yet. */
export const ADDON_PORT = 8080;

export interface OperationRunnerOptions {
  /** `LAUNCH_DEADLINE_MS`: how long an operation may take in the cluster before it fails DEADLINE_EXCEEDED. */
  deadlineMs: number;
  /** How often a running operation looks whether a STOP or DELETE has cut it short. */
  supersededPollMs?: number;
}

/** What happens once an operation has ended; config services read their schema here. */
export type OperationEnded = (instance: RuntimeInstance, operation: RuntimeOperationRun, outcome: RecordedPhase, driver: KubernetesDriver) => Promise<void>;

/** A phase to record: the driver's, or one the runner decides itself (e.g. VERSION_UNAVAILABLE). */
export type RecordedPhase = Pick<PhaseEvent, 'phase' | 'message'> & { reason?: string };

/** Order of phases within an operation: a phase is written only when it moves the operation forward. */
const RANK: Record<LaunchPhase, number> = {
  QUEUED: 0,
  SCHEDULING: 1,
  PULLING_IMAGE: 2,
  STARTING: 3,
  STOPPING: 1,
  DELETING: 1,
  READY: 4,
  STOPPED: 4,
  DELETED: 4,
  FAILED: 5,
};

/**
 * Carries out one operation (the `runtimes.runOperation` job): the objects written, scaled or removed,
 * then the cluster followed to the operation's end, each new phase written as a launch event. A job may
 * run again (a crash, a retry after a cluster error): writes are idempotent and a phase already
 * recorded is not recorded twice, so a retry adds no duplicate objects and no duplicate events.
 */
export class OperationRunner {
  constructor(
    private readonly orm: SubgraphOrm,
    private readonly clusters: EnvironmentClusters,
    private readonly options: OperationRunnerOptions,
    private readonly onEnded: OperationEnded,
  ) {}

  async run(payload: RunOperationPayload, job: JobContext): Promise<void> {
    const em = this.orm.em.fork();
    const operation = await em.findOne(RuntimeOperationRun, { id: payload.operationId });
    const instance = await em.findOne(RuntimeInstance, { id: payload.instanceId });
    if (!operation || !instance || operation.instanceId !== instance.id) {
      job.logger.warn({ payload }, 'runOperation names no such operation; dropped');
      return;
    }
    const environment = await em.findOneOrFail(Environment, { id: instance.environmentId });
    // Done already: the job ran to the end before a crash, or what follows the end (a config service's
    // schema read) failed and the job runs again for it; or a later STOP or DELETE cut it short.
    if (isTerminalPhase(operation.phase)) {
      const [last] = await selectRows<Omit<RecordedPhase, 'reason'> & { reason: string | null }>(em, {
        sql: 'select phase, message, reason from runtimes.launch_event where operation_id = ? order by sequence desc limit 1',
        bindings: [operation.id],
      });
      if (last && last.reason !== 'SUPERSEDED') await this.onEnded(instance, operation, { ...last, reason: last.reason ?? undefined }, this.clusters.driverFor(environment));
      return;
    }
    const progress = new OperationProgress(this.orm, instance, operation, job.logger);
    const abort = new AbortController();
    const onStop = () => abort.abort(job.signal.reason);
    job.signal.addEventListener('abort', onStop, { once: true });
    const watcher = setInterval(() => {
      progress.isSuperseded().then(
        (superseded) => superseded && abort.abort(new Superseded()),
        () => undefined,
      );
    }, this.options.supersededPollMs ?? 1000);
    const driver = this.clusters.driverFor(environment);
    let outcome: PhaseEvent | null = null;
    try {
      outcome = await this.carryOut(driver, instance, operation, progress, abort.signal);
      await progress.settle();
    } catch (error) {
      await progress.settle().catch(() => undefined);
      if (abort.signal.aborted && abort.signal.reason instanceof Superseded) return;
      if (job.signal.aborted) throw error;
      if (error instanceof ClusterError && error.isRetryable && job.attempt < job.maxAttempts) throw error;
      const message = error instanceof ClusterError ? error.message : 'The platform failed to carry out the operation; it has been logged.';
      if (!(error instanceof ClusterError)) job.logger.error({ err: error }, 'operation failed');
      await progress.record({ phase: 'FAILED', reason: 'CLUSTER_ERROR', message });
    } finally {
      clearInterval(watcher);
      job.signal.removeEventListener('abort', onStop);
    }
    // Outside the catch: its failure fails the job, which runs it again (above), the operation's end kept.
    if (outcome && !progress.wasSuperseded) await this.onEnded(instance, operation, outcome, driver);
  }

  private async carryOut(driver: KubernetesDriver, instance: RuntimeInstance, operation: RuntimeOperationRun, progress: OperationProgress, signal: AbortSignal): Promise<PhaseEvent | null> {
    const target = { namespace: instance.namespace, objectName: instance.objectName, instanceId: instance.id };
    const follow = { onPhase: (event: PhaseEvent) => progress.enqueue(event), signal, deadlineMs: this.options.deadlineMs };
    switch (operation.operation) {
      case RuntimeOperationKind.LAUNCH:
      case RuntimeOperationKind.UPGRADE:
      case RuntimeOperationKind.START: {
        const image = await this.imageOf(instance, operation);
        if (typeof image !== 'string') {
          await progress.record(image);
          return null;
        }
        const spec = { instanceId: instance.id, tenant: instance.tenant, kind: instance.kind, namespace: instance.namespace, objectName: instance.objectName, image, port: ADDON_PORT, config: operation.config, replicas: 1 };
        const applied = await driver.apply(buildInstanceObjects(spec), signal);
        return driver.followRollout({ ...target, generation: applied.generation }, follow);
      }
      case RuntimeOperationKind.STOP:
        await driver.scale(instance.namespace, instance.objectName, 0, signal).catch((error: unknown) => {
          // A launch stopped before it wrote anything left no Deployment: there is nothing to scale down.
          if (!(error instanceof ClusterError && error.reason === 'NOT_FOUND')) throw error;
        });
        return driver.followStop(target, follow);
      case RuntimeOperationKind.DELETE:
        await driver.remove(instance.namespace, instance.objectName, signal);
        return driver.followRemoval(target, follow);
    }
  }

  /** The image the operation runs, or the failure to record when its version can no longer be run. */
  private async imageOf(instance: RuntimeInstance, operation: RuntimeOperationRun): Promise<string | RecordedPhase> {
    const version = await findLaunchableVersion(this.orm.em.fork(), operation.versionId, { kind: 'platform' });
    const image = instance.kind === RuntimeInstanceKind.CONFIG_SERVICE ? version?.configImage : version?.runtimeImage;
    if (!version || !image) {
      return { phase: 'FAILED', reason: 'VERSION_UNAVAILABLE', message: 'Its addon version is no longer in the catalog (its repo was deleted), so there is nothing to run.' };
    }
    return image;
  }
}

class Superseded extends Error {
  constructor() {
    super('a later STOP or DELETE cut the operation short');
  }
}

/**
 * Writes the phases of one operation in order, each in its own transaction with the instance row
 * locked: a phase that does not move the operation forward is skipped (a retried job seeing the same
 * state again), and nothing is written once the operation has ended (cut short by a STOP or DELETE,
 * which wrote its end).
 */
class OperationProgress {
  private chain: Promise<void> = Promise.resolve();
  wasSuperseded = false;

  constructor(
    private readonly orm: SubgraphOrm,
    private readonly instance: RuntimeInstance,
    private readonly operation: RuntimeOperationRun,
    private readonly logger: Logger,
  ) {}

  /** The driver reports phases synchronously; they are written one after the other. */
  enqueue(event: PhaseEvent): void {
    this.chain = this.chain.then(() => this.record(event)).catch((error: unknown) => this.logger.error({ err: error, phase: event.phase }, 'could not record a launch phase'));
  }

  settle(): Promise<void> {
    return this.chain;
  }

  async isSuperseded(): Promise<boolean> {
    const current = await this.orm.em.fork().findOne(RuntimeOperationRun, { id: this.operation.id }, { fields: ['phase'], disableIdentityMap: true });
    return !current || isTerminalPhase(current.phase);
  }

  async record(event: RecordedPhase): Promise<void> {
    const phase = event.phase as LaunchPhase;
    await this.orm.em.fork().transactional(async (tx) => {
      // The instance row first, as every mutation of the instance takes it: one lock order, no deadlock
      // with a STOP or DELETE cutting this operation short at the same moment. The phase is read by a
      // statement of its own, after the lock: one that waited for it would see the row as it was before.
      await selectRows(tx, { sql: 'select 1 from runtimes.runtime_instance where id = ? for update', bindings: [this.instance.id] });
      const [current] = await selectRows<{ phase: LaunchPhase }>(tx, { sql: 'select phase from runtimes.runtime_operation where id = ?', bindings: [this.operation.id] });
      if (!current || isTerminalPhase(current.phase)) {
        this.wasSuperseded = true;
        return;
      }
      if (RANK[phase] <= RANK[current.phase]) return;
      const isReady = phase === LaunchPhase.READY;
      await recordLaunchEvent(tx, {
        instanceId: this.instance.id,
        operationId: this.operation.id,
        operation: this.operation.operation,
        phase,
        message: event.message,
        reason: event.reason ?? null,
        status: statusAfter(this.operation.operation, phase),
        ...(isReady ? { url: serviceUrlOf(this.instance), versionId: this.operation.versionId } : {}),
      });
      if (isReady) await tx.nativeUpdate(RuntimeInstance, { id: this.instance.id }, { config: this.operation.config });
    });
  }
}

/** The instance's status once its operation reaches `phase`; undefined leaves it as it is. */
function statusAfter(operation: RuntimeOperationKind, phase: LaunchPhase): RuntimeInstanceStatus | undefined {
  switch (phase) {
    case LaunchPhase.SCHEDULING:
    case LaunchPhase.PULLING_IMAGE:
    case LaunchPhase.STARTING:
      return RuntimeInstanceStatus.DEPLOYING;
    case LaunchPhase.READY:
      return RuntimeInstanceStatus.RUNNING;
    case LaunchPhase.STOPPED:
      return RuntimeInstanceStatus.STOPPED;
    case LaunchPhase.DELETED:
      return RuntimeInstanceStatus.DELETED;
    case LaunchPhase.FAILED:
      return RuntimeInstanceStatus.FAILED;
    default:
      return operation === RuntimeOperationKind.LAUNCH ? RuntimeInstanceStatus.PENDING : undefined;
  }
}

/** The Service's address inside the cluster; the platform reaches it only through the API server's proxy. */
export function serviceUrlOf(instance: Pick<RuntimeInstance, 'objectName' | 'namespace'>): string {
  return `http://${instance.objectName}.${instance.namespace}.svc.cluster.local:${ADDON_PORT}`;
}
