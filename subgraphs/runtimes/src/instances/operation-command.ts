import type { JobCommand } from '@addon-platform/platform';

export interface RunOperationPayload {
  instanceId: string;
  operationId: string;
}

/**
 * "Carry out operation O of instance I", run by this subgraph's own worker. Operations of one instance
 * run one at a time and in order (a serial queue per instance), whichever replica takes them. A few
 * attempts cover a cluster that was briefly unreachable; the last one records the failure.
 */
export function runOperationCommand(instanceId: string, operationId: string): JobCommand<RunOperationPayload> {
  return {
    task: 'runtimes.runOperation',
    payload: { instanceId, operationId },
    options: { serialQueue: `runtime-instance:${instanceId}`, maxAttempts: RUN_OPERATION_ATTEMPTS },
  };
}

export const RUN_OPERATION_ATTEMPTS = 5;
