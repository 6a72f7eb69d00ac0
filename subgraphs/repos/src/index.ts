export { readConfig, type ReposConfig } from './config.js';
export { buildReposSchema, createReposSubgraph, REPO_CREDENTIALS, startReposSubgraph } from './subgraph.js';
export { DefaultVersionStatus, Repo, RepoLabel, RepoType, RepoVisibility } from './repos/repo.entity.js';
