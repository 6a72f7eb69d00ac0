import DataLoader from 'dataloader';
import {
  buildFederatedSchema,
  createChildConnectionLoader,
  createCredentialCipher,
  environmentCredentialContext,
  startSubgraph,
  type AddonVersionPayload,
  type EntityManager,
  type SealedCredentials,
  type SubgraphDefinition,
} from '@addon-platform/platform';
import type { RuntimesConfig } from './config.js';
import { ClusterAccess } from './environments/cluster-access.js';
import { Environment } from './environments/environment.entity.js';
import { EnvironmentService } from './environments/environment.service.js';
import { RuntimeInstance } from './instances/runtime-instance.entity.js';
import { RuntimeInstanceService } from './instances/runtime-instance.service.js';
import { RuntimeOperationRun } from './instances/runtime-operation.entity.js';
import { Migration0001Runtimes } from './migrations/migration-0001-runtimes.js';
import { Migration0002Environments } from './migrations/migration-0002-environments.js';
import { Migration0003Launches } from './migrations/migration-0003-launches.js';
import { Migration0004FeedAtCommit } from './migrations/migration-0004-feed-at-commit.js';
import { resolveAddonReference } from './schema/addon.reference.js';
import type { RuntimesContext } from './schema/context.js';
import { EnvironmentResolver, resolveEnvironmentReference } from './schema/environment.resolver.js';
import { AddonRuntimesResolver, AddonVersionRuntimesResolver, RuntimeInstanceResolver, resolveRuntimeInstanceReference } from './schema/runtime-instance.resolver.js';
import { resolveAddonVersionReference } from './schema/addon-version.reference.js';
import { ConfigChecker } from './instances/instance-config.js';
import { RuntimeLaunchService } from './instances/runtime-launch.service.js';
import { AutomaticUpgrades } from './instances/automatic-upgrades.js';
import { ConfigServices } from './instances/config-services.js';
import { OperationRunner } from './instances/operation-runner.js';
import type { RunOperationPayload } from './instances/operation-command.js';
import { EnvironmentClusters } from './environments/environment-clusters.js';
import { LaunchEventHub, LaunchEventService, startLaunchNotices } from './launch-events/index.js';
import { LaunchEventResolver, RuntimeInstanceChangeResolver, RuntimeInstanceLaunchEventsResolver } from './schema/launch-event.resolver.js';

export function buildRuntimesSchema() {
  return buildFederatedSchema<RuntimesContext>({
    resolvers: [RuntimeInstanceResolver, AddonRuntimesResolver, AddonVersionRuntimesResolver, EnvironmentResolver, LaunchEventResolver, RuntimeInstanceChangeResolver, RuntimeInstanceLaunchEventsResolver],
    referenceResolvers: {
      RuntimeInstance: resolveRuntimeInstanceReference,
      Addon: resolveAddonReference,
      AddonVersion: resolveAddonVersionReference,
      Environment: resolveEnvironmentReference,
    },
  });
}

/** Environments' kubeconfigs, sealed per environment (ADR 007, ADR 014). */
export const ENVIRONMENT_CREDENTIALS: SealedCredentials = { entity: Environment, property: 'credentialSealed', contextOf: environmentCredentialContext };

export function createRuntimesSubgraph(config: Pick<RuntimesConfig, 'credentialKeys' | 'cluster' | 'launch'>): SubgraphDefinition<RuntimesContext> {
  const cluster = new ClusterAccess(config.cluster);
  const cipher = createCredentialCipher(config.credentialKeys);
  const configs = new ConfigChecker();
  const launchEventHub = new LaunchEventHub();
  const clusters = new EnvironmentClusters(cluster, cipher, {
    requestTimeoutMs: config.launch.requestTimeoutMs,
    unschedulableGraceMs: config.launch.unschedulableGraceMs,
  });
  return {
    name: 'runtimes',
    entities: [RuntimeInstance, RuntimeOperationRun, Environment],
    migrations: [Migration0001Runtimes, Migration0002Environments, Migration0003Launches, Migration0004FeedAtCommit],
    sealedCredentials: [ENVIRONMENT_CREDENTIALS],
    buildSchema: buildRuntimesSchema,
    createTasks(orm) {
      const launchesOf = (em: EntityManager) => new RuntimeLaunchService(em, new EnvironmentService(em, cluster, cipher), configs);
      const configServices = new ConfigServices(orm, configs, launchesOf);
      const runner = new OperationRunner(orm, clusters, { deadlineMs: config.launch.deadlineMs }, (...ended) => configServices.ended(...ended));
      const upgrades = new AutomaticUpgrades(orm, configs, launchesOf);
      return {
        runOperation: (payload: RunOperationPayload, job) => runner.run(payload, job),
        launchConfigService: (payload: AddonVersionPayload, job) => configServices.launch(payload, job),
        versionActivated: (payload: AddonVersionPayload & { addonId: string }, job) => upgrades.versionActivated(payload, job),
      };
    },
    async start(orm, logger) {
      const hub = await launchEventHub.start(orm.config.get('clientUrl')!, logger);
      const notices = startLaunchNotices(orm, logger);
      return {
        async stop() {
          await notices.stop();
          await hub.stop();
        },
      };
    },
    createContext(em, { viewer, logger }) {
      const instances = new RuntimeInstanceService(em);
      const environments = new EnvironmentService(em, cluster, cipher);
      return {
        viewer,
        logger,
        instances,
        environments,
        launchEvents: new LaunchEventService(em, launchEventHub, instances),
        launches: new RuntimeLaunchService(em, environments, configs),
        instanceLoader: new DataLoader((ids) => instances.findVisibleInstances(viewer, ids)),
        environmentLoader: new DataLoader((ids) => environments.findVisibleEnvironments(viewer, ids)),
        operationLoader: new DataLoader((ids) => instances.findOperations(ids)),
        configServiceLoader: new DataLoader((ids) => ConfigServices.findStates(em, ids)),
        instancesOfVersion: createChildConnectionLoader((versionIds, page) => instances.listVersionsInstances(viewer, versionIds, page)),
        instancesOfAddon: createChildConnectionLoader((addonIds, page) => instances.listAddonsInstances(viewer, addonIds, page)),
      };
    },
  };
}

export function startRuntimesSubgraph(config: RuntimesConfig) {
  return startSubgraph(createRuntimesSubgraph(config), config);
}
