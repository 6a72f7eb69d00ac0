export { readConfig, type ReposConfig } from './config.js';
export { buildReposSchema, createReposSubgraph, startReposSubgraph } from './subgraph.js';
export { DefaultVersionStatus, Repo, RepoLabel, RepoType, RepoVisibility } from './repos/repo.entity.js';
export { resealRepoCredentials } from './repos/credential-rotation.js';
