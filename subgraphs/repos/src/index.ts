export { readConfig, type ReposConfig } from './config.js';
export { buildReposSchema, createReposSubgraph, startReposSubgraph } from './subgraph.js';
export { SYNC_REPO_TASK, credentialContext } from './repos/repo.service.js';
export { DefaultVersionStatus, Repo, RepoLabel, RepoType, RepoVisibility } from './repos/repo.entity.js';
export { resealRepoCredentials } from './repos/credential-rotation.js';
