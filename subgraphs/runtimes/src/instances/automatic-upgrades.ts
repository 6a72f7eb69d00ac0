import { DomainError, selectRows, type AddonVersionPayload, type EntityManager, type JobContext, type SubgraphOrm } from '@addon-platform/platform';
import type { ConfigChecker } from './instance-config.js';
import { findLaunchableVersion } from './launchable-version.js';
import type { RuntimeLaunchService } from './runtime-launch.service.js';
import { RuntimeOperationKind } from './runtime-operation.entity.js';

/**
 * The `runtimes.versionActivated` job (DESIGN: "version V is active"): every AUTOMATIC instance of the
 * addon running an older version rolls to V, each roll an UPGRADE operation with its events. Older is
 * the catalog's order (`sort_key`), so re-activating an old version never rolls anyone back.
 */
export class AutomaticUpgrades {
  constructor(
    private readonly orm: SubgraphOrm,
    private readonly configs: ConfigChecker,
    private readonly launches: (em: EntityManager) => RuntimeLaunchService,
  ) {}

  async versionActivated({ addonId, versionId }: AddonVersionPayload & { addonId: string }, job: JobContext): Promise<void> {
    const em = this.orm.em.fork();
    const version = await findLaunchableVersion(em, versionId, { kind: 'platform' });
    if (!version || version.status !== 'ACTIVE' || !version.launchable || version.addonId !== addonId) {
      job.logger.info({ versionId }, 'versionActivated: the version is not an ACTIVE, launchable version of the addon (any more); nothing to roll');
      return;
    }
    const behind = await selectRows<{ id: string; config: Record<string, unknown> }>(em, {
      sql: `select i.id, i.config
              from runtimes.runtime_instance i
              join addons.launchable_version running on running.version_id = i.version_id
              join addons.launchable_version target on target.version_id = ?
             where i.addon_id = ? and i.kind = 'TENANT' and i.upgrade_policy = 'AUTOMATIC'
               and i.status in ('RUNNING', 'FAILED') and running.sort_key < target.sort_key
             order by i.created_at, i.id`,
      bindings: [versionId, addonId],
    });
    let busy = 0;
    for (const instance of behind) {
      let config: Record<string, unknown>;
      try {
        config = this.configs.check(version, instance.config);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        job.logger.warn({ instanceId: instance.id, versionId, problems: error.details.problems }, 'an AUTOMATIC instance was not rolled: its config does not fit the new version');
        continue;
      }
      try {
        await this.launches(em.fork()).runForPlatform(instance.id, RuntimeOperationKind.UPGRADE, `version ${version.version} became ACTIVE`, { versionId, config });
      } catch (error) {
        // Busy with another operation: the job runs again later and finds it still behind.
        if (error instanceof DomainError && error.code === 'CONFLICT') busy += 1;
        else throw error;
      }
    }
    if (busy > 0) throw new Error(`${busy} AUTOMATIC instance(s) were busy with another operation; the roll to ${version.version} is retried`);
  }
}
