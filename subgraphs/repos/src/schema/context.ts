import type DataLoader from 'dataloader';
import type { Logger, Viewer } from '@addon-platform/platform';
import type { Repo } from '../repos/repo.entity.js';
import type { RepoSelectorService } from '../repos/repo-selector.service.js';
import type { RepoService } from '../repos/repo.service.js';

export interface ReposContext {
  viewer: Viewer;
  logger: Logger;
  repos: RepoService;
  selectors: RepoSelectorService;
  /** Batches the gateway's entity fetches of one request into one query. */
  repoLoader: DataLoader<string, Repo | null>;
}
