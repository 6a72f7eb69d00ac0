import type DataLoader from 'dataloader';
import type { Connection, Logger, Viewer } from '@addon-platform/platform';
import type { Addon } from '../addons/addon.entity.js';
import type { AddonService } from '../addons/addon.service.js';
import type { SyncRun } from '../sync/sync-run.entity.js';
import type { SubmissionService } from '../submissions/submission.service.js';
import type { SyncService } from '../sync/sync.service.js';
import type { AddonVersion } from '../versions/addon-version.entity.js';
import type { AddonVersionService } from '../versions/addon-version.service.js';
import type { AddonVersionAuditEntry } from '../versions/addon-version-audit.entity.js';
import type { VersionReviewService } from '../versions/version-review.service.js';

type ChildPage<T> = (parentId: string, page: { first: number; after?: string }) => Promise<Connection<T>>;

export interface AddonsContext {
  viewer: Viewer;
  logger: Logger;
  addons: AddonService;
  versions: AddonVersionService;
  sync: SyncService;
  review: VersionReviewService;
  submissions: SubmissionService;
  /** Batches the gateway's entity fetches of one request into one query. */
  addonLoader: DataLoader<string, Addon | null>;
  versionLoader: DataLoader<string, AddonVersion | null>;
  /** `Repo.addons`, batched over the repos of one request. */
  addonsOfRepo: ChildPage<Addon>;
  /** `Addon.versions`, batched likewise. */
  versionsOfAddon: ChildPage<AddonVersion>;
  /** `AddonVersion.audit`, batched likewise. */
  auditOfVersion: ChildPage<AddonVersionAuditEntry>;
  latestVersionOfAddon: DataLoader<string, AddonVersion | null>;
  /**
   * Addons of `addons` pages with their latest version read in the page's statement, only the fields
   * the operation asks for there: for their own `latestVersion` alone, not for the loader's other users.
   */
  latestVersionsReadWithPage: WeakMap<object, Partial<AddonVersion> | null>;
  availableVersionsOfAddon: DataLoader<string, string[]>;
  /** `Repo.syncRuns`, batched likewise. */
  syncRunsOfRepo: ChildPage<SyncRun>;
  lastSyncOfRepo: DataLoader<string, SyncRun | null>;
}
