import type DataLoader from 'dataloader';
import type { Connection, Logger, Viewer } from '@addon-platform/platform';
import type { Addon } from '../addons/addon.entity.js';
import type { AddonService } from '../addons/addon.service.js';

export interface AddonsContext {
  viewer: Viewer;
  logger: Logger;
  addons: AddonService;
  /** Batches the gateway's entity fetches of one request into one query. */
  addonLoader: DataLoader<string, Addon | null>;
  /** `Repo.addons`, batched over the repos of one request. */
  addonsOfRepo: (repoId: string, page: { first: number; after?: string }) => Promise<Connection<Addon>>;
}
