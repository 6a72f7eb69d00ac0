export { readConfig, type AddonsConfig } from './config.js';
export { buildAddonsSchema, createAddonsSubgraph, startAddonsSubgraph } from './subgraph.js';
export { Addon } from './addons/addon.entity.js';
export { AddonVersion, AddonVersionSource, AddonVersionStatus } from './versions/addon-version.entity.js';
export { compareVersions, parseVersion, versionSortKey } from './versions/version-order.js';
export { SyncRun, SyncRunStatus } from './sync/sync-run.entity.js';
