export { createJobQueue, type JobQueue, type JobQueueOptions } from './job-queue.js';
export { startJobWorker, type JobContext, type JobHandler, type JobWorker, type JobWorkerOptions } from './job-worker.js';
export { enqueueJob, type EnqueueOptions, type EnqueuedJob, type JobSqlClient, type TaskName } from './enqueue.js';
export {
  configSchemaReadCommand,
  launchConfigServiceCommand,
  syncRepoCommand,
  versionActivatedCommand,
  type AddonVersionPayload,
  type ConfigSchemaReadPayload,
  type JobCommand,
  type SyncRepoPayload,
} from './commands.js';
