import type DataLoader from 'dataloader';
import type { Connection, Logger, Viewer } from '@addon-platform/platform';
import type { Environment } from '../environments/environment.entity.js';
import type { EnvironmentService } from '../environments/environment.service.js';
import type { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import type { RuntimeInstanceService } from '../instances/runtime-instance.service.js';
import type { LaunchEventService } from '../launch-events/index.js';
import type { RuntimeLaunchService } from '../instances/runtime-launch.service.js';
import type { ConfigServiceRow } from '../instances/config-services.js';
import type { RuntimeOperationRun } from '../instances/runtime-operation.entity.js';

export interface RuntimesContext {
  viewer: Viewer;
  logger: Logger;
  instances: RuntimeInstanceService;
  environments: EnvironmentService;
  /** Launch progress and the tenant's change feed; lives as long as a subscription. */
  launchEvents: LaunchEventService;
  launches: RuntimeLaunchService;
  /** Batches the gateway's entity fetches of environments in one request into one query. */
  environmentLoader: DataLoader<string, Environment | null>;
  /** Batches the gateway's entity fetches of one request into one query. */
  instanceLoader: DataLoader<string, RuntimeInstance | null>;
  /** `AddonVersion.configService`, batched. */
  configServiceLoader: DataLoader<string, ConfigServiceRow | null>;
  /** Operations of instances already shown, batched. */
  operationLoader: DataLoader<string, RuntimeOperationRun | null>;
  /** `AddonVersion.instances`, batched over the versions of one request. */
  instancesOfVersion: (versionId: string, page: { first: number; after?: string }) => Promise<Connection<RuntimeInstance>>;
  /** `Addon.runtimes`, batched over the addons of one request. */
  instancesOfAddon: (addonId: string, page: { first: number; after?: string }) => Promise<Connection<RuntimeInstance>>;
}
