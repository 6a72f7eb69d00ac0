export { readConfig, type RuntimesConfig } from './config.js';
export { buildRuntimesSchema, createRuntimesSubgraph, ENVIRONMENT_CREDENTIALS, startRuntimesSubgraph } from './subgraph.js';
export { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus, UpgradePolicy } from './instances/runtime-instance.entity.js';
export { LaunchPhase, RuntimeOperationKind, RuntimeOperationRun } from './instances/runtime-operation.entity.js';
export { Environment, EnvironmentKind } from './environments/environment.entity.js';
export { mayRunVersion, PROVIDERS_OF, type EnvironmentScope, type Fit, type Launcher } from './environments/environment-fit.js';
export { toNamespace, toTenantPart } from './environments/namespace-pattern.js';
