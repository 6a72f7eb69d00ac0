import DataLoader from 'dataloader';
import {
  buildFederatedSchema,
  createChildConnectionLoader,
  createCredentialCipher,
  startSubgraph,
  type SubgraphDefinition,
  type SyncRepoPayload,
} from '@addon-platform/platform';
import { RecoveringKeyResolver } from '@addon-platform/ontology';
import { UrlGuard } from '@addon-platform/sources';
import { Addon } from './addons/addon.entity.js';
import { AddonService } from './addons/addon.service.js';
import type { AddonsConfig } from './config.js';
import { ConfigSchemaService } from './config-schemas/config-schema.service.js';
import { Migration0001Addons } from './migrations/migration-0001-addons.js';
import { Migration0002Catalog } from './migrations/migration-0002-catalog.js';
import { Migration0003CatalogQueries } from './migrations/migration-0003-catalog-queries.js';
import { Migration0004VersionReview } from './migrations/migration-0004-version-review.js';
import { Migration0005Submissions } from './migrations/migration-0005-submissions.js';
import { Migration0006IndexSync } from './migrations/migration-0006-index-sync.js';
import { Migration0007LaunchableVersionOrder } from './migrations/migration-0007-launchable-version-order.js';
import { AddonResolver, RepoAddonsResolver, resolveAddonReference } from './schema/addon.resolver.js';
import { AddonVersionResolver, resolveAddonVersionReference } from './schema/addon-version.resolver.js';
import type { AddonsContext } from './schema/context.js';
import { resolveRepoReference } from './schema/repo.reference.js';
import { AddonIdentityTransferResolver, SubmissionResolver } from './schema/submission.resolver.js';
import { RepoSyncResolver, SyncRunResolver } from './schema/sync.resolver.js';
import { AddonIdentityTransfer, Submission, SubmissionService, type SubmissionRules } from './submissions/index.js';
import { SyncRun } from './sync/sync-run.entity.js';
import { SyncService } from './sync/sync.service.js';
import { AddonVersion } from './versions/addon-version.entity.js';
import { AddonVersionService } from './versions/addon-version.service.js';
import { AddonVersionAuditEntry } from './versions/addon-version-audit.entity.js';
import { VersionReviewService } from './versions/version-review.service.js';
import { VersionReviewResolver } from './schema/version-review.resolver.js';

export function buildAddonsSchema() {
  return buildFederatedSchema<AddonsContext>({
    resolvers: [AddonResolver, AddonVersionResolver, RepoAddonsResolver, SyncRunResolver, RepoSyncResolver, VersionReviewResolver, SubmissionResolver, AddonIdentityTransferResolver],
    referenceResolvers: { Addon: resolveAddonReference, AddonVersion: resolveAddonVersionReference, Repo: resolveRepoReference },
  });
}

export function createAddonsSubgraph(config: Pick<AddonsConfig, 'credentialKeys' | 'urlGuard' | 'syncIntervalMs' | 'submissions'>): SubgraphDefinition<AddonsContext> {
  const cipher = createCredentialCipher(config.credentialKeys);
  const guard = new UrlGuard(config.urlGuard);
  // One per process: it remembers each owner's key once recovered, so later verifications cost no recovery.
  const ownerKeys = new RecoveringKeyResolver();
  // Syncs of ADDON_INDEX repos verify with the same resolver and apply the same settings.
  const indexRules: SubmissionRules = { keys: ownerKeys, settings: config.submissions };
  return {
    name: 'addons',
    entities: [Addon, AddonVersion, AddonVersionAuditEntry, SyncRun, Submission, AddonIdentityTransfer],
    migrations: [Migration0001Addons, Migration0002Catalog, Migration0003CatalogQueries, Migration0004VersionReview, Migration0005Submissions, Migration0006IndexSync, Migration0007LaunchableVersionOrder],
    buildSchema: buildAddonsSchema,
    createContext(em, { viewer, logger }) {
      const addons = new AddonService(em);
      const versions = new AddonVersionService(em);
      const sync = new SyncService(em, cipher, guard, indexRules);
      const review = new VersionReviewService(em);
      return {
        viewer,
        logger,
        addons,
        versions,
        sync,
        review,
        submissions: new SubmissionService(em, ownerKeys, config.submissions),
        addonLoader: new DataLoader((ids) => addons.findVisibleAddons(viewer, ids)),
        versionLoader: new DataLoader((ids) => versions.findVisibleVersions(viewer, ids)),
        addonsOfRepo: createChildConnectionLoader((repoIds, page) => addons.listReposAddons(viewer, repoIds, page)),
        versionsOfAddon: createChildConnectionLoader((addonIds, page) => versions.listVersionsOfAddons(viewer, addonIds, page)),
        auditOfVersion: createChildConnectionLoader((versionIds, page) => review.listAuditOfVersions(viewer, versionIds, page)),
        latestVersionOfAddon: new DataLoader((addonIds) => versions.latestVersionsOfAddons(viewer, addonIds)),
        latestVersionsReadWithPage: new WeakMap(),
        availableVersionsOfAddon: new DataLoader((addonIds) => versions.availableVersionsOfAddons(viewer, addonIds)),
        syncRunsOfRepo: createChildConnectionLoader((repoIds, page) => sync.listRunsOfRepos(viewer, repoIds, page)),
        lastSyncOfRepo: new DataLoader((repoIds) => sync.lastRunsOfRepos(viewer, repoIds)),
      };
    },
    createTasks(orm) {
      return {
        syncRepo: (payload: SyncRepoPayload, job) => new SyncService(orm.em.fork(), cipher, guard, indexRules).runSync(payload, job),
        // Unknown until checked: the payload comes from another subgraph.
        recordConfigSchema: (payload: unknown, job) => new ConfigSchemaService(orm.em.fork()).record(payload, job.logger),
      };
    },
    createSchedules(orm, logger) {
      if (config.syncIntervalMs === 0) return [];
      // Looking often keeps each repo's period close to the interval without a timer per repo.
      const everyMs = Math.min(config.syncIntervalMs, 60_000);
      return [
        {
          name: 'queue due syncs',
          everyMs,
          run: async () => {
            const queued = await new SyncService(orm.em.fork(), cipher, guard, indexRules).queueDueSyncs(config.syncIntervalMs);
            if (queued > 0) logger.info({ queued }, 'queued scheduled syncs');
          },
        },
      ];
    },
  };
}

export function startAddonsSubgraph(config: AddonsConfig) {
  return startSubgraph(createAddonsSubgraph(config), config);
}
