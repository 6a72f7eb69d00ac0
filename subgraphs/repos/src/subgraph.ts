import DataLoader from 'dataloader';
import { buildFederatedSchema, startSubgraph, type SubgraphDefinition } from '@addon-platform/platform';
import type { ReposConfig } from './config.js';
import { Migration0001Repos } from './migrations/migration-0001-repos.js';
import { Repo } from './repos/repo.entity.js';
import { RepoService } from './repos/repo.service.js';
import type { ReposContext } from './schema/context.js';
import { RepoResolver, resolveRepoReference } from './schema/repo.resolver.js';

export function buildReposSchema() {
  return buildFederatedSchema<ReposContext>({
    resolvers: [RepoResolver],
    referenceResolvers: { Repo: resolveRepoReference },
  });
}

export const reposSubgraph: SubgraphDefinition<ReposContext> = {
  name: 'repos',
  entities: [Repo],
  migrations: [Migration0001Repos],
  buildSchema: buildReposSchema,
  createContext(em, { viewer, logger }) {
    const repos = new RepoService(em);
    return { viewer, logger, repos, repoLoader: new DataLoader((ids) => repos.findVisibleRepos(viewer, ids)) };
  },
};

export function startReposSubgraph(config: ReposConfig) {
  return startSubgraph(reposSubgraph, config);
}
