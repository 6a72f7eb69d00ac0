import {
  alignToIds,
  configSchemaReadCommand,
  enqueueJob,
  jobClientOf,
  launchConfigServiceCommand,
  selectRows,
  type AddonVersionPayload,
  type EntityManager,
  type JobContext,
  type SubgraphOrm,
} from '@addon-platform/platform';
import { ClusterError, type KubernetesDriver } from '../driver/index.js';
import { mayRunVersion } from '../environments/environment-fit.js';
import { Environment } from '../environments/environment.entity.js';
import { toNamespace } from '../environments/namespace-pattern.js';
import type { ConfigChecker } from './instance-config.js';
import { findLaunchableVersion } from './launchable-version.js';
import { ADDON_PORT, type RecordedPhase } from './operation-runner.js';
import { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus, UpgradePolicy } from './runtime-instance.entity.js';
import type { RuntimeLaunchService } from './runtime-launch.service.js';
import { LaunchPhase, RuntimeOperationKind, type RuntimeOperationRun } from './runtime-operation.entity.js';

/** The tenant config services are filed under; no tenant's token reaches them (they are kind CONFIG_SERVICE). */
export const PLATFORM_TENANT = 'platform';

export type ConfigServiceState = 'WAITING_FOR_ENVIRONMENT' | 'LAUNCHING' | 'SCHEMA_READ' | 'FAILED';

export interface ConfigServiceRow {
  versionId: string;
  instanceId: string | null;
  state: ConfigServiceState;
  message: string;
  reason: string | null;
  schemaReadAt: Date | null;
  updatedAt: Date;
}

/**
 * Config services (DESIGN, "Runtime launch"): for each version with a config image, an instance of kind
 * CONFIG_SERVICE in the platform's environment; once READY, its `GET /config` is read through the API
 * server's service proxy and handed to the addons subgraph. How it is going is kept per version in
 * `runtimes.config_service`, which `AddonVersion.configService` shows.
 */
export class ConfigServices {
  constructor(
    private readonly orm: SubgraphOrm,
    private readonly configs: ConfigChecker,
    private readonly launches: (em: EntityManager) => RuntimeLaunchService,
  ) {}

  /** The `runtimes.launchConfigService` job. Safe to repeat: a live config service is left as it is. */
  async launch({ versionId }: AddonVersionPayload, job: JobContext): Promise<void> {
    const em = this.orm.em.fork();
    const version = await findLaunchableVersion(em, versionId, { kind: 'platform' });
    if (!version?.configImage) {
      job.logger.info({ versionId }, 'launchConfigService: the version is gone or has no config image; nothing to launch');
      return;
    }
    const [known] = await selectRows<{ instance_id: string | null; status: RuntimeInstanceStatus | null }>(em, {
      sql: `select c.instance_id, i.status from runtimes.config_service c left join runtimes.runtime_instance i on i.id = c.instance_id where c.version_id = ?`,
      bindings: [versionId],
    });
    if (known?.instance_id && known.status !== RuntimeInstanceStatus.DELETED) {
      if (known.status === RuntimeInstanceStatus.FAILED || known.status === RuntimeInstanceStatus.STOPPED) {
        await em.transactional(async (tx) => {
          await this.launches(tx).runForPlatform(known.instance_id!, RuntimeOperationKind.START, `config service of version ${versionId} asked again`);
          await this.setState(tx, versionId, { state: 'LAUNCHING', message: 'Its config service is starting again.', instanceId: known.instance_id! });
        });
      }
      return;
    }
    const environment = await em.findOne(Environment, { isPlatform: true, deletedAt: null });
    if (!environment) {
      await this.setState(em, versionId, {
        state: 'WAITING_FOR_ENVIRONMENT',
        message: "No environment is the platform's yet; an operator marks one with platform: true, and the config service launches there.",
      });
      return;
    }
    const fit = mayRunVersion(environment, version, { kind: 'platform' });
    if (!fit.fits) {
      await this.setState(em, versionId, { state: 'FAILED', reason: 'ENVIRONMENT_UNFIT', message: `The platform's environment ${environment.name} cannot run it: ${fit.reason}` });
      return;
    }
    // The instance and the state that names it commit together: a job run again after a crash finds both or neither.
    await em.transactional(async (tx) => {
      const instance = await this.launches(tx).createInstance({
        tenant: PLATFORM_TENANT,
        name: `config-${versionId}`,
        kind: RuntimeInstanceKind.CONFIG_SERVICE,
        addonId: version.addonId,
        versionId,
        environmentId: environment.id,
        namespace: toNamespace(environment.namespacePattern, PLATFORM_TENANT),
        config: {},
        upgradePolicy: UpgradePolicy.MANUAL,
        createdBy: PLATFORM_TENANT,
      });
      await this.setState(tx, versionId, { state: 'LAUNCHING', message: `Launching ${version.configImage} in ${environment.name}.`, instanceId: instance.id });
    });
  }

  /** After a config service's operation ends: on READY its schema is read and sent on; on FAILED the version shows why. */
  async ended(instance: RuntimeInstance, operation: RuntimeOperationRun, outcome: RecordedPhase, driver: KubernetesDriver): Promise<void> {
    if (instance.kind !== RuntimeInstanceKind.CONFIG_SERVICE || operation.operation === RuntimeOperationKind.STOP || operation.operation === RuntimeOperationKind.DELETE) return;
    const em = this.orm.em.fork();
    if (outcome.phase !== LaunchPhase.READY) {
      await this.setState(em, instance.versionId, { state: 'FAILED', reason: outcome.reason ?? 'LAUNCH_FAILED', message: `Its config service did not start: ${outcome.message}`, instanceId: instance.id });
      return;
    }
    try {
      const answer = await driver.readConfig(instance.namespace, instance.objectName, ADDON_PORT);
      this.assertJsonSchema(answer.schema);
      await em.transactional(async (tx) => {
        const command = configSchemaReadCommand(instance.versionId, answer.schema, answer.uiSchema ?? null);
        await enqueueJob(jobClientOf(tx), command.task, command.payload, command.options);
        await this.setState(tx, instance.versionId, { state: 'SCHEMA_READ', message: 'Its config schema was read and handed to the catalog.', instanceId: instance.id, schemaRead: true });
      });
    } catch (error) {
      if (!(error instanceof ClusterError || error instanceof InvalidSchema)) throw error;
      await this.setState(em, instance.versionId, {
        state: 'FAILED',
        reason: error instanceof InvalidSchema ? 'INVALID_CONFIG_SCHEMA' : 'CONFIG_UNREADABLE',
        message: `Its config service is up, but GET /config could not be used: ${error.message}`,
        instanceId: instance.id,
      });
    }
  }

  /** The config service of each version (null where none was asked for), in the order asked; in one query. */
  static async findStates(em: EntityManager, versionIds: readonly string[]): Promise<(ConfigServiceRow | null)[]> {
    const rows = await selectRows<ConfigServiceRow>(em, {
      sql: `select version_id as "versionId", instance_id as "instanceId", state, message, reason, schema_read_at as "schemaReadAt", updated_at as "updatedAt"
              from runtimes.config_service where version_id = any(?::uuid[])`,
      bindings: [[...versionIds]],
    });
    return alignToIds(versionIds, rows, (row) => row.versionId);
  }

  /** Versions waiting for a platform environment, queued again when one is marked (returns how many). */
  static async queueWaiting(em: EntityManager): Promise<number> {
    const waiting = await selectRows<{ version_id: string }>(em, { sql: `select version_id from runtimes.config_service where state = 'WAITING_FOR_ENVIRONMENT'`, bindings: [] });
    for (const { version_id } of waiting) {
      const command = launchConfigServiceCommand(version_id);
      await enqueueJob(jobClientOf(em), command.task, command.payload, command.options);
    }
    return waiting.length;
  }

  private assertJsonSchema(schema: Record<string, unknown>): void {
    try {
      this.configs.compile(schema);
    } catch (error) {
      throw new InvalidSchema(`it is not a valid JSON Schema (${(error as Error).message.slice(0, 200)})`);
    }
  }

  private async setState(
    em: EntityManager,
    versionId: string,
    change: { state: ConfigServiceState; message: string; reason?: string; instanceId?: string; schemaRead?: boolean },
  ): Promise<void> {
    await selectRows(em, {
      sql: `insert into runtimes.config_service (version_id, instance_id, state, message, reason, schema_read_at, updated_at)
            values (?, ?, ?, ?, ?, case when ? then now() end, now())
            on conflict (version_id) do update set
              instance_id = coalesce(excluded.instance_id, config_service.instance_id), state = excluded.state, message = excluded.message,
              reason = excluded.reason, schema_read_at = coalesce(excluded.schema_read_at, config_service.schema_read_at), updated_at = now()`,
      bindings: [versionId, change.instanceId ?? null, change.state, change.message, change.reason ?? null, change.schemaRead ?? false],
    });
  }
}

class InvalidSchema extends Error {}
