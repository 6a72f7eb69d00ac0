export { readConfig, type ReposConfig } from './config.js';
export { buildReposSchema, reposSubgraph, startReposSubgraph } from './subgraph.js';
export { Repo, RepoType, RepoVisibility } from './repos/repo.entity.js';
