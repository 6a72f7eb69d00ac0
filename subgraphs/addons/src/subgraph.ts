import DataLoader from 'dataloader';
import { buildFederatedSchema, createChildConnectionLoader, startSubgraph, type SubgraphDefinition } from '@addon-platform/platform';
import { Addon } from './addons/addon.entity.js';
import { AddonService } from './addons/addon.service.js';
import type { AddonsConfig } from './config.js';
import { Migration0001Addons } from './migrations/migration-0001-addons.js';
import { AddonResolver, RepoAddonsResolver, resolveAddonReference } from './schema/addon.resolver.js';
import type { AddonsContext } from './schema/context.js';
import { resolveRepoReference } from './schema/repo.reference.js';

export function buildAddonsSchema() {
  return buildFederatedSchema<AddonsContext>({
    resolvers: [AddonResolver, RepoAddonsResolver],
    referenceResolvers: { Addon: resolveAddonReference, Repo: resolveRepoReference },
  });
}

export const addonsSubgraph: SubgraphDefinition<AddonsContext> = {
  name: 'addons',
  entities: [Addon],
  migrations: [Migration0001Addons],
  buildSchema: buildAddonsSchema,
  createContext(em, { viewer, logger }) {
    const addons = new AddonService(em);
    return {
      viewer,
      logger,
      addons,
      addonLoader: new DataLoader((ids) => addons.findVisibleAddons(viewer, ids)),
      addonsOfRepo: createChildConnectionLoader((repoIds, page) => addons.listReposAddons(viewer, repoIds, page)),
    };
  },
};

export function startAddonsSubgraph(config: AddonsConfig) {
  return startSubgraph(addonsSubgraph, config);
}
