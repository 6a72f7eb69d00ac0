import type DataLoader from 'dataloader';
import type { Connection, Logger, Viewer } from '@addon-platform/platform';
import type { Addon } from '../addons/addon.entity.js';
import type { AddonService } from '../addons/addon.service.js';
import type { SyncRun } from '../sync/sync-run.entity.js';
import type { SyncService } from '../sync/sync.service.js';

type ChildPage<T> = (parentId: string, page: { first: number; after?: string }) => Promise<Connection<T>>;

export interface AddonsContext {
  viewer: Viewer;
  logger: Logger;
  addons: AddonService;
  sync: SyncService;
  /** Batches the gateway's entity fetches of one request into one query. */
  addonLoader: DataLoader<string, Addon | null>;
  /** `Repo.addons`, batched over the repos of one request. */
  addonsOfRepo: ChildPage<Addon>;
  /** `Repo.syncRuns`, batched likewise. */
  syncRunsOfRepo: ChildPage<SyncRun>;
  lastSyncOfRepo: DataLoader<string, SyncRun | null>;
}
