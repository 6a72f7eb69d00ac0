import DataLoader from 'dataloader';
import { buildFederatedSchema, createChildConnectionLoader, startSubgraph, type SubgraphDefinition } from '@addon-platform/platform';
import type { RuntimesConfig } from './config.js';
import { RuntimeInstance } from './instances/runtime-instance.entity.js';
import { RuntimeInstanceService } from './instances/runtime-instance.service.js';
import { Migration0001Runtimes } from './migrations/migration-0001-runtimes.js';
import { resolveAddonReference } from './schema/addon.reference.js';
import type { RuntimesContext } from './schema/context.js';
import { AddonRuntimesResolver, RuntimeInstanceResolver, resolveRuntimeInstanceReference } from './schema/runtime-instance.resolver.js';

export function buildRuntimesSchema() {
  return buildFederatedSchema<RuntimesContext>({
    resolvers: [RuntimeInstanceResolver, AddonRuntimesResolver],
    referenceResolvers: { RuntimeInstance: resolveRuntimeInstanceReference, Addon: resolveAddonReference },
  });
}

export const runtimesSubgraph: SubgraphDefinition<RuntimesContext> = {
  name: 'runtimes',
  entities: [RuntimeInstance],
  migrations: [Migration0001Runtimes],
  buildSchema: buildRuntimesSchema,
  createContext(em, { viewer, logger }) {
    const instances = new RuntimeInstanceService(em);
    return {
      viewer,
      logger,
      instances,
      instanceLoader: new DataLoader((ids) => instances.findVisibleInstances(viewer, ids)),
      instancesOfAddon: createChildConnectionLoader((addonIds, page) => instances.listAddonsInstances(viewer, addonIds, page)),
    };
  },
};

export function startRuntimesSubgraph(config: RuntimesConfig) {
  return startSubgraph(runtimesSubgraph, config);
}
