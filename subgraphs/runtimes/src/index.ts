export { readConfig, type RuntimesConfig } from './config.js';
export { buildRuntimesSchema, runtimesSubgraph, startRuntimesSubgraph } from './subgraph.js';
export { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus } from './instances/runtime-instance.entity.js';
