import DataLoader from 'dataloader';
import {
  buildFederatedSchema,
  createChildConnectionLoader,
  createCredentialCipher,
  environmentCredentialContext,
  startSubgraph,
  type SealedCredentials,
  type SubgraphDefinition,
} from '@addon-platform/platform';
import type { RuntimesConfig } from './config.js';
import { ClusterAccess } from './environments/cluster-access.js';
import { Environment } from './environments/environment.entity.js';
import { EnvironmentService } from './environments/environment.service.js';
import { RuntimeInstance } from './instances/runtime-instance.entity.js';
import { RuntimeInstanceService } from './instances/runtime-instance.service.js';
import { Migration0001Runtimes } from './migrations/migration-0001-runtimes.js';
import { Migration0002Environments } from './migrations/migration-0002-environments.js';
import { resolveAddonReference } from './schema/addon.reference.js';
import type { RuntimesContext } from './schema/context.js';
import { EnvironmentResolver, resolveEnvironmentReference } from './schema/environment.resolver.js';
import { AddonRuntimesResolver, RuntimeInstanceResolver, resolveRuntimeInstanceReference } from './schema/runtime-instance.resolver.js';

export function buildRuntimesSchema() {
  return buildFederatedSchema<RuntimesContext>({
    resolvers: [RuntimeInstanceResolver, AddonRuntimesResolver, EnvironmentResolver],
    referenceResolvers: { RuntimeInstance: resolveRuntimeInstanceReference, Addon: resolveAddonReference, Environment: resolveEnvironmentReference },
  });
}

/** Environments' kubeconfigs, sealed per environment (ADR 007, ADR 014). */
export const ENVIRONMENT_CREDENTIALS: SealedCredentials = { entity: Environment, property: 'credentialSealed', contextOf: environmentCredentialContext };

export function createRuntimesSubgraph(config: Pick<RuntimesConfig, 'credentialKeys' | 'cluster'>): SubgraphDefinition<RuntimesContext> {
  const cluster = new ClusterAccess(config.cluster);
  const cipher = createCredentialCipher(config.credentialKeys);
  return {
    name: 'runtimes',
    entities: [RuntimeInstance, Environment],
    migrations: [Migration0001Runtimes, Migration0002Environments],
    sealedCredentials: [ENVIRONMENT_CREDENTIALS],
    buildSchema: buildRuntimesSchema,
    createContext(em, { viewer, logger }) {
      const instances = new RuntimeInstanceService(em);
      const environments = new EnvironmentService(em, cluster, cipher);
      return {
        viewer,
        logger,
        instances,
        environments,
        instanceLoader: new DataLoader((ids) => instances.findVisibleInstances(viewer, ids)),
        environmentLoader: new DataLoader((ids) => environments.findVisibleEnvironments(viewer, ids)),
        instancesOfAddon: createChildConnectionLoader((addonIds, page) => instances.listAddonsInstances(viewer, addonIds, page)),
      };
    },
  };
}

export function startRuntimesSubgraph(config: RuntimesConfig) {
  return startSubgraph(createRuntimesSubgraph(config), config);
}
