import type { EnqueueOptions, TaskName } from './enqueue.js';

/**
 * The commands subgraphs send each other through the job queue (DESIGN, "Commands across
 * subgraphs"), written once so that sender and receiver agree on the task, the payload and how jobs
 * of one subject are keyed and serialised.
 */
export interface JobCommand<Payload extends object> {
  task: TaskName;
  payload: Payload;
  options: EnqueueOptions;
}

export interface SyncRepoPayload {
  repoId: string;
  /** Why the sync was asked for; recorded on the run. */
  trigger: 'REPO_CHANGED' | 'REQUESTED' | 'SCHEDULED';
}

/**
 * "Sync repo R", run by the addons subgraph. A pending sync of R is replaced rather than repeated,
 * and syncs of R never run at once: they share a serial queue.
 */
export function syncRepoCommand(repoId: string, trigger: SyncRepoPayload['trigger']): JobCommand<SyncRepoPayload> {
  return {
    task: 'addons.syncRepo',
    payload: { repoId, trigger },
    options: { jobKey: `repo-sync:${repoId}`, serialQueue: `repo-sync:${repoId}` },
  };
}

export interface AddonVersionPayload {
  versionId: string;
}

/**
 * "Launch the config service of version V", run by the runtimes subgraph: sent when a version
 * carrying a config image is accepted (a submission, or a sync of an addon index). One job per
 * version: sending it again while it waits replaces it.
 */
export function launchConfigServiceCommand(versionId: string): JobCommand<AddonVersionPayload> {
  return {
    task: 'runtimes.launchConfigService',
    payload: { versionId },
    options: { jobKey: `config-service:${versionId}` },
  };
}

/**
 * "Version V is active", run by the runtimes subgraph (instances with upgradePolicy AUTOMATIC move to
 * it): sent on every transition of a version to ACTIVE (publish, restore, or a source whose default
 * status is ACTIVE). Jobs of one addon's versions run in order, on the addon's serial queue.
 */
export function versionActivatedCommand(addonId: string, versionId: string): JobCommand<AddonVersionPayload & { addonId: string }> {
  return {
    task: 'runtimes.versionActivated',
    payload: { addonId, versionId },
    options: { serialQueue: `addon-versions:${addonId}` },
  };
}

export interface ConfigSchemaReadPayload {
  versionId: string;
  /** The JSON Schema of the version's configuration, as `GET /config` served it. */
  configSchema: object;
  /** The UI schema served beside it, if any. */
  uiSchema: object | null;
}

/**
 * "The config schema of version V is S", run by the addons subgraph: sent by the runtimes subgraph
 * when the config service of V answered `GET /config`. V is not launchable until it has run. A newer
 * read replaces one still waiting: one job per version.
 */
export function configSchemaReadCommand(versionId: string, configSchema: object, uiSchema: object | null): JobCommand<ConfigSchemaReadPayload> {
  return {
    task: 'addons.recordConfigSchema',
    payload: { versionId, configSchema, uiSchema },
    options: { jobKey: `config-schema:${versionId}` },
  };
}
