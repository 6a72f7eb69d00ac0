export { readConfig, type AddonsConfig } from './config.js';
export { buildAddonsSchema, addonsSubgraph, startAddonsSubgraph } from './subgraph.js';
export { Addon } from './addons/addon.entity.js';
