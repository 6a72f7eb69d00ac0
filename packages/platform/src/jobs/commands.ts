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
