/** The Kubernetes driver of the runtimes subgraph: plain TypeScript over @kubernetes/client-node, no GraphQL, no database. */
export { KubernetesDriver, type AppliedInstance, type ConfigServiceAnswer, type KubernetesDriverOptions, type RolloutTarget } from './kubernetes-driver.js';
export type { FollowOptions, FollowTarget } from './follow.js';
export {
  buildInstanceObjects,
  instanceSelector,
  secretNameOf,
  CONFIG_FILE,
  CONFIG_HASH_ANNOTATION,
  INSTANCE_LABEL,
  KIND_LABEL,
  MANAGED_BY_LABEL,
  type InstanceKind,
  type InstanceObjects,
  type InstanceSpec,
} from './manifests.js';
export { observeRemoval, observeRollout, observeStop, type FailureReason, type LaunchPhase, type ObservedInstance, type PhaseEvent, type RolloutObservation } from './phases.js';
export { ClusterError, type ClusterErrorReason } from './cluster-error.js';
