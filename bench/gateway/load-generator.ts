import type { Env } from '@addon-platform/platform';
import type { LoadMessage, LoadResult, LoadRun, WindowEdge } from './load-protocol.js';
import { spawnPinned, stopChild, waitForMessage } from './processes.js';

export interface LoadGenerator {
  /** Runs the load; `onWindowEdge` is called, synchronously on arrival, as each edge of the measured window passes. */
  run(run: LoadRun, onWindowEdge: (edge: WindowEdge) => void): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** Starts the load generator process (load.ts) pinned to `cpu`; runs go to it one at a time. */
export async function startLoadGenerator(cpu: number, env: Env): Promise<LoadGenerator> {
  const child = spawnPinned(cpu, './load.ts', [], env);
  await waitForMessage(child, (message) => ((message as LoadMessage).type === 'ready' ? true : undefined), 'starting the load generator', 30_000).catch(
    async (error: unknown) => {
      await stopChild(child);
      throw error;
    },
  );
  return {
    async run(run, onWindowEdge) {
      const onEdge = (message: LoadMessage) => {
        if (message.type === 'window') onWindowEdge(message.edge);
      };
      child.on('message', onEdge);
      const answer = waitForMessage(
        child,
        (message) => {
          const { type } = message as LoadMessage;
          return type === 'result' || type === 'failed' ? (message as Extract<LoadMessage, { type: 'result' | 'failed' }>) : undefined;
        },
        'load generator',
        // The run itself, plus time to sort the latencies and answer.
        (run.warmupSec + run.durationSec + 30) * 1000,
      );
      child.send({ type: 'run', run } satisfies LoadMessage);
      const message = await answer.finally(() => child.off('message', onEdge));
      if (message.type === 'failed') throw new Error(`load generator: ${message.message}`);
      return message.result;
    },
    stop: () => stopChild(child),
  };
}
