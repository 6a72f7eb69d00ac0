import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  DomainError,
  domainError,
  enqueueJob,
  isOperator,
  jobClientOf,
  readId,
  requireRole,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import { mayRunVersion } from '../environments/environment-fit.js';
import type { EnvironmentService } from '../environments/environment.service.js';
import { toNamespace } from '../environments/namespace-pattern.js';
import { recordLaunchEvent } from '../launch-events/index.js';
import { mergeConfig, readConfigObject, type ConfigChecker } from './instance-config.js';
import { requireLaunchableVersion } from './launchable-version.js';
import { runOperationCommand } from './operation-command.js';
import { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus, UpgradePolicy } from './runtime-instance.entity.js';
import { LaunchPhase, RuntimeOperationKind, RuntimeOperationRun, isTerminalPhase } from './runtime-operation.entity.js';

const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface LaunchInput {
  versionId: string;
  environmentId: string;
  name: string;
  config?: unknown;
  upgradePolicy?: UpgradePolicy | null;
}

/** Who asks for an operation: a tenant's user, or the platform itself (config services, automatic upgrades). */
export type Requester = { kind: 'viewer'; viewer: Viewer } | { kind: 'platform'; reason: string };

/** What each operation may start from; DELETED instances take none. */
const ALLOWED_FROM: Record<RuntimeOperationKind, readonly RuntimeInstanceStatus[]> = {
  [RuntimeOperationKind.LAUNCH]: [],
  [RuntimeOperationKind.UPGRADE]: [RuntimeInstanceStatus.RUNNING, RuntimeInstanceStatus.FAILED],
  [RuntimeOperationKind.START]: [RuntimeInstanceStatus.STOPPED, RuntimeInstanceStatus.FAILED],
  [RuntimeOperationKind.STOP]: [RuntimeInstanceStatus.PENDING, RuntimeInstanceStatus.DEPLOYING, RuntimeInstanceStatus.RUNNING, RuntimeInstanceStatus.FAILED],
  [RuntimeOperationKind.DELETE]: [RuntimeInstanceStatus.PENDING, RuntimeInstanceStatus.DEPLOYING, RuntimeInstanceStatus.RUNNING, RuntimeInstanceStatus.STOPPED, RuntimeInstanceStatus.FAILED],
};

/** STOP and DELETE may cut an operation short (a launch stuck pulling an image); the others wait for it. */
const SUPERSEDES = new Set([RuntimeOperationKind.STOP, RuntimeOperationKind.DELETE]);

const QUEUED_MESSAGE: Record<RuntimeOperationKind, string> = {
  [RuntimeOperationKind.LAUNCH]: 'Launch queued.',
  [RuntimeOperationKind.UPGRADE]: 'Upgrade queued.',
  [RuntimeOperationKind.START]: 'Start queued.',
  [RuntimeOperationKind.STOP]: 'Stop queued.',
  [RuntimeOperationKind.DELETE]: 'Delete queued.',
};

/**
 * Launch, upgrade, stop, start and delete (DESIGN, "Runtime launch"). Each writes, in one transaction,
 * the operation, its QUEUED event and the job that carries it out; the cluster is touched only by
 * that job, so an answer comes back at once and nothing is half-done when the cluster is slow.
 */
export class RuntimeLaunchService {
  constructor(
    private readonly em: EntityManager,
    private readonly environments: EnvironmentService,
    private readonly configs: ConfigChecker,
  ) {}

  async launch(viewer: Viewer, input: LaunchInput): Promise<RuntimeInstance> {
    requireRole(viewer, 'tenant', 'operator');
    if (!viewer.tenant) throw domainError('FORBIDDEN', 'Launching needs a token with a tenant: instances belong to a tenant.');
    const name = readInstanceName(input.name);
    const versionId = readId(input.versionId, 'versionId');
    const version = await requireLaunchableVersion(this.em, viewer, versionId, 'versionId');
    const environment = await this.environments.getEnvironment(viewer, readId(input.environmentId, 'environmentId')).catch((error: unknown) => {
      throw error instanceof DomainError && error.code === 'NOT_FOUND' ? domainError('NOT_FOUND', error.message, { field: 'environmentId' }) : error;
    });
    const fit = mayRunVersion(environment, version, { kind: 'tenant', tenant: viewer.tenant });
    if (!fit.fits) throw domainError('CONFLICT', `Environment ${environment.name} cannot run ${version.addonName} ${version.version}: ${fit.reason}`, { field: 'environmentId' });
    const config = this.configs.check(version, input.config);
    return this.createInstance({
      tenant: viewer.tenant,
      name,
      kind: RuntimeInstanceKind.TENANT,
      addonId: version.addonId,
      versionId,
      environmentId: environment.id,
      namespace: toNamespace(environment.namespacePattern, viewer.tenant),
      config,
      upgradePolicy: input.upgradePolicy ?? UpgradePolicy.MANUAL,
      createdBy: viewer.sub!,
    });
  }

  /** Writes a new instance with its LAUNCH operation; also how the platform launches config services. */
  async createInstance(fields: Omit<RuntimeInstance, 'id' | 'status' | 'objectName' | 'url' | 'eventSequence' | 'operationId' | 'createdAt' | 'updatedAt'>): Promise<RuntimeInstance> {
    const id = randomUUID();
    const now = new Date();
    try {
      return await this.em.transactional(async (tx) => {
        const instance = tx.create(RuntimeInstance, {
          ...fields,
          id,
          status: RuntimeInstanceStatus.PENDING,
          objectName: objectNameOf(fields.name, id),
          url: null,
          eventSequence: '0',
          operationId: null,
          createdAt: now,
          updatedAt: now,
        });
        await tx.flush();
        await this.queueOperation(tx, instance, RuntimeOperationKind.LAUNCH, { versionId: fields.versionId, config: fields.config, requestedBy: fields.createdBy });
        return instance;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('CONFLICT', `An instance named "${fields.name}" is already live in your tenant; choose another name or delete that one.`, { field: 'name' });
      }
      throw error;
    }
  }

  async upgrade(viewer: Viewer, id: string, input: { versionId: string; config?: unknown }): Promise<RuntimeInstance> {
    return this.change({ kind: 'viewer', viewer }, id, RuntimeOperationKind.UPGRADE, async (tx, instance) => {
      const versionId = readId(input.versionId, 'versionId');
      const version = await requireLaunchableVersion(tx, viewer, versionId, 'versionId');
      if (version.addonId !== instance.addonId) {
        throw domainError('BAD_USER_INPUT', `Version ${version.version} belongs to another addon (${version.addonName}); an instance upgrades within its addon.`, { field: 'versionId' });
      }
      const config = this.configs.check(version, mergeConfig(instance.config, readConfigObject(input.config)));
      return { versionId, config };
    });
  }

  /**
   * An operation the platform asks for: an AUTOMATIC instance rolling to a newly active version (with
   * `target`), or a config service started again.
   */
  runForPlatform(id: string, operation: RuntimeOperationKind, reason: string, target?: { versionId: string; config: Record<string, unknown> }): Promise<RuntimeInstance> {
    return this.change({ kind: 'platform', reason }, id, operation, target && (async () => target));
  }

  stop(viewer: Viewer, id: string): Promise<RuntimeInstance> {
    return this.change({ kind: 'viewer', viewer }, id, RuntimeOperationKind.STOP);
  }

  start(viewer: Viewer, id: string): Promise<RuntimeInstance> {
    return this.change({ kind: 'viewer', viewer }, id, RuntimeOperationKind.START);
  }

  delete(viewer: Viewer, id: string): Promise<RuntimeInstance> {
    return this.change({ kind: 'viewer', viewer }, id, RuntimeOperationKind.DELETE);
  }

  /**
   * One operation on an existing instance, in one transaction: the instance row locked (operations on
   * one instance are decided one at a time), its state checked, the operation queued.
   */
  private async change(
    requester: Requester,
    id: string,
    operation: RuntimeOperationKind,
    target?: (tx: EntityManager, instance: RuntimeInstance) => Promise<{ versionId: string; config: Record<string, unknown> }>,
  ): Promise<RuntimeInstance> {
    if (requester.kind === 'viewer') requireRole(requester.viewer, 'tenant', 'operator');
    const instanceId = readId(id, 'id');
    return this.em.transactional(async (tx) => {
      const instance = await tx.findOne(RuntimeInstance, { id: instanceId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!instance || (requester.kind === 'viewer' && !mayChange(requester.viewer, instance))) {
        throw domainError('NOT_FOUND', `No runtime instance with id ${id} is visible to you.`, { field: 'id' });
      }
      if (!ALLOWED_FROM[operation].includes(instance.status)) {
        throw domainError('CONFLICT', `Instance ${instance.name} is ${instance.status}; ${operation} needs it ${ALLOWED_FROM[operation].join(' or ')}.`, {
          field: 'id',
          status: instance.status,
        });
      }
      const current = instance.operationId ? await tx.findOneOrFail(RuntimeOperationRun, { id: instance.operationId }) : null;
      if (current && !isTerminalPhase(current.phase)) {
        if (!SUPERSEDES.has(operation)) {
          throw domainError('CONFLICT', `Instance ${instance.name} is busy with ${current.operation} (${current.phase}); wait until it finishes, or stop or delete it.`, {
            field: 'id',
            operation: current.operation,
          });
        }
        await recordLaunchEvent(tx, {
          instanceId: instance.id,
          operationId: current.id,
          operation: current.operation,
          phase: LaunchPhase.FAILED,
          reason: 'SUPERSEDED',
          message: `${current.operation} was cut short: ${operation} was asked before it finished.`,
        });
      }
      const next = target ? await target(tx, instance) : { versionId: instance.versionId, config: instance.config };
      const requestedBy = requester.kind === 'viewer' ? requester.viewer.sub! : `platform: ${requester.reason}`;
      await this.queueOperation(tx, instance, operation, { ...next, requestedBy });
      await tx.refresh(instance);
      return instance;
    });
  }

  private async queueOperation(
    tx: EntityManager,
    instance: RuntimeInstance,
    operation: RuntimeOperationKind,
    fields: { versionId: string; config: Record<string, unknown>; requestedBy: string },
  ): Promise<void> {
    const run = tx.create(RuntimeOperationRun, {
      id: randomUUID(),
      instanceId: instance.id,
      operation,
      phase: LaunchPhase.QUEUED,
      versionId: fields.versionId,
      previousVersionId: operation === RuntimeOperationKind.UPGRADE ? instance.versionId : null,
      config: fields.config,
      requestedBy: fields.requestedBy,
      createdAt: new Date(),
      finishedAt: null,
    });
    await tx.flush();
    await tx.nativeUpdate(RuntimeInstance, { id: instance.id }, { operationId: run.id });
    await recordLaunchEvent(tx, {
      instanceId: instance.id,
      operationId: run.id,
      operation,
      phase: LaunchPhase.QUEUED,
      message: QUEUED_MESSAGE[operation],
      status: queuedStatusOf(operation, instance.status),
    });
    const command = runOperationCommand(instance.id, run.id);
    await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
  }
}

/** An instance is its tenant's to change (config services no tenant's); operators change any. */
function mayChange(viewer: Viewer, instance: RuntimeInstance): boolean {
  return isOperator(viewer) || (instance.kind === RuntimeInstanceKind.TENANT && viewer.tenant !== undefined && viewer.tenant === instance.tenant);
}

/** A launch waits PENDING; an upgrade or start is under way at once; stop and delete leave the status to their end. */
function queuedStatusOf(operation: RuntimeOperationKind, status: RuntimeInstanceStatus): RuntimeInstanceStatus {
  if (operation === RuntimeOperationKind.LAUNCH) return RuntimeInstanceStatus.PENDING;
  if (operation === RuntimeOperationKind.UPGRADE || operation === RuntimeOperationKind.START) return RuntimeInstanceStatus.DEPLOYING;
  return status;
}

function readInstanceName(name: string): string {
  if (!INSTANCE_NAME.test(name)) {
    throw domainError('BAD_USER_INPUT', 'name must be 1 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit.', { field: 'name' });
  }
  return name;
}

/**
 * The Kubernetes name of an instance's objects: its name (a Service name must start with a letter,
 * hence the prefix) and a piece of its id, because a deleted instance's name may be reused while its
 * objects are still going away.
 */
export function objectNameOf(name: string, id: string): string {
  return `rt-${name.slice(0, 50).replace(/-+$/, '')}-${id.slice(0, 8)}`;
}
