export { readConfig, type AddonsConfig } from './config.js';
export { buildAddonsSchema, createAddonsSubgraph, startAddonsSubgraph } from './subgraph.js';
export { Addon } from './addons/addon.entity.js';
export { AddonVersion, AddonVersionStatus } from './versions/addon-version.entity.js';
export { SyncRun, SyncRunStatus } from './sync/sync-run.entity.js';
