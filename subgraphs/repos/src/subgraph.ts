import DataLoader from 'dataloader';
import { buildFederatedSchema, createCredentialCipher, repoCredentialContext, startSubgraph, type SealedCredentials, type SubgraphDefinition } from '@addon-platform/platform';
import { UrlGuard } from '@addon-platform/sources';
import type { ReposConfig } from './config.js';
import { Migration0001Repos } from './migrations/migration-0001-repos.js';
import { Migration0002RepoSources } from './migrations/migration-0002-repo-sources.js';
import { Repo } from './repos/repo.entity.js';
import { RepoSelectorService } from './repos/repo-selector.service.js';
import { RepoSourceCheck } from './repos/repo-source-check.js';
import { RepoService } from './repos/repo.service.js';
import { UserRepoSelector } from './repos/user-repo-selector.entity.js';
import type { ReposContext } from './schema/context.js';
import { RepoResolver, resolveRepoReference } from './schema/repo.resolver.js';

export function buildReposSchema() {
  return buildFederatedSchema<ReposContext>({
    resolvers: [RepoResolver],
    referenceResolvers: { Repo: resolveRepoReference },
  });
}

/** Repos' registry credentials, sealed per repo (ADR 007). */
export const REPO_CREDENTIALS: SealedCredentials = { entity: Repo, property: 'credentialSealed', contextOf: repoCredentialContext };

export function createReposSubgraph(config: Pick<ReposConfig, 'credentialKeys' | 'urlGuard'>): SubgraphDefinition<ReposContext> {
  const sources = new RepoSourceCheck(new UrlGuard(config.urlGuard));
  const cipher = createCredentialCipher(config.credentialKeys);
  return {
    name: 'repos',
    entities: [Repo, UserRepoSelector],
    migrations: [Migration0001Repos, Migration0002RepoSources],
    sealedCredentials: [REPO_CREDENTIALS],
    buildSchema: buildReposSchema,
    createContext(em, { viewer, logger }) {
      const repos = new RepoService(em, sources, cipher);
      return {
        viewer,
        logger,
        repos,
        selectors: new RepoSelectorService(em),
        repoLoader: new DataLoader((ids) => repos.findVisibleRepos(viewer, ids)),
      };
    },
  };
}

export function startReposSubgraph(config: ReposConfig) {
  return startSubgraph(createReposSubgraph(config), config);
}
