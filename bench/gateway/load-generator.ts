import type { Env } from '@addon-platform/platform';
import type { LoadResult, LoadRun, WindowEdge } from './load-protocol.js';
import { readProcessCpuMs } from './cpu-time.js';
import { spawnPinned, stopChild, waitForMessage } from './processes.js';

/** What a load process and the bench say to each other, whatever the shape of a run and its result. */
export type LoadProcessMessage<Run, Result> =
  | { type: 'ready' }
  | { type: 'run'; run: Run }
  | { type: 'window'; edge: WindowEdge }
  | { type: 'result'; result: Result }
  | { type: 'failed'; message: string };

export interface PinnedLoad<Run, Result> {
  /** Runs the load; `onWindowEdge` is called, synchronously on arrival, as each edge of the measured window passes. */
  run(run: Run, onWindowEdge: (edge: WindowEdge) => void): Promise<Result>;
  /** The load process's own CPU time so far. */
  readCpuMs(): number;
  stop(): Promise<void>;
}

export type LoadGenerator = PinnedLoad<LoadRun, LoadResult>;

/** Starts the load generator process (load.ts) pinned to `cpu`; runs go to it one at a time. */
export function startLoadGenerator(cpu: number, env: Env): Promise<LoadGenerator> {
  return startPinnedLoad<LoadRun, LoadResult>(cpu, './load.ts', env);
}

/**
 * Starts a load process (`entry`, resolved against bench/gateway/) pinned to `cpu`. A run may take its
 * warm-up, its window, its last requests' timeout and 30 s to sort and answer.
 */
export async function startPinnedLoad<Run extends { warmupSec: number; durationSec: number; timeoutMs?: number }, Result>(
  cpu: number,
  entry: string,
  env: Env,
): Promise<PinnedLoad<Run, Result>> {
  type Message = LoadProcessMessage<Run, Result>;
  // Ahead of the servers where they share its CPU: a generator waiting for the CPU would send late and
  // read answers late, and count its own wait as the servers' latency. (Raising priority needs root;
  // elsewhere nice refuses and the generator keeps the default.)
  const child = spawnPinned([cpu], entry, [], env, [], process.getuid?.() === 0 ? -10 : undefined);
  await waitForMessage(child, (message) => ((message as Message).type === 'ready' ? true : undefined), 'starting the load generator', 30_000).catch(
    async (error: unknown) => {
      await stopChild(child);
      throw error;
    },
  );
  return {
    async run(run, onWindowEdge) {
      const onEdge = (message: Message) => {
        if (message.type === 'window') onWindowEdge(message.edge);
      };
      child.on('message', onEdge);
      const answer = waitForMessage(
        child,
        (message) => {
          const { type } = message as Message;
          return type === 'result' || type === 'failed' ? (message as Extract<Message, { type: 'result' | 'failed' }>) : undefined;
        },
        'load generator',
        (run.warmupSec + run.durationSec + 30) * 1000 + (run.timeoutMs ?? 0),
      );
      child.send({ type: 'run', run } satisfies Message);
      const message = await answer.finally(() => child.off('message', onEdge));
      if (message.type === 'failed') throw new Error(`load generator: ${message.message}`);
      return message.result;
    },
    readCpuMs: () => readProcessCpuMs(child.pid!),
    stop: () => stopChild(child),
  };
}
