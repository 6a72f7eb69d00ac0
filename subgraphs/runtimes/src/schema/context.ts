import type DataLoader from 'dataloader';
import type { Connection, Logger, Viewer } from '@addon-platform/platform';
import type { Environment } from '../environments/environment.entity.js';
import type { EnvironmentService } from '../environments/environment.service.js';
import type { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import type { RuntimeInstanceService } from '../instances/runtime-instance.service.js';

export interface RuntimesContext {
  viewer: Viewer;
  logger: Logger;
  instances: RuntimeInstanceService;
  environments: EnvironmentService;
  /** Batches the gateway's entity fetches of environments in one request into one query. */
  environmentLoader: DataLoader<string, Environment | null>;
  /** Batches the gateway's entity fetches of one request into one query. */
  instanceLoader: DataLoader<string, RuntimeInstance | null>;
  /** `Addon.runtimes`, batched over the addons of one request. */
  instancesOfAddon: (addonId: string, page: { first: number; after?: string }) => Promise<Connection<RuntimeInstance>>;
}
