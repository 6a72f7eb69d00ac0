import type { Env } from '@addon-platform/platform';
import { readProcessCpuMs } from './cpu-time.js';
import { spawnPinned, stopChild, waitForMessage } from './processes.js';
import type { ServerKind, ServerMessage } from './server-kinds.js';

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  graphqlUrl: URL;
  /** CPU time this process has used so far, in ms. */
  readCpuMs(): number;
  stop(): Promise<void>;
}

/** A generous bound: a subgraph applies its migrations before it listens. */
const START_TIMEOUT_MS = 60_000;

/** Starts `serve.ts <kind>` pinned to `cpus` and resolves once it listens; `nodeFlags` go to its node (e.g. `--cpu-prof`). */
export async function startServerProcess(kind: ServerKind, cpus: readonly number[], env: Env, nodeFlags: string[] = []): Promise<ServerProcess> {
  const child = spawnPinned(cpus, './serve.ts', [kind], env, nodeFlags);
  const stop = () => stopChild(child);
  try {
    const message = await waitForMessage(
      child,
      (message) => ((message as ServerMessage).type ? (message as ServerMessage) : undefined),
      `starting ${kind}`,
      START_TIMEOUT_MS,
    );
    if (message.type === 'failed') throw new Error(`${kind} failed to start:\n${message.message}`);
    const pid = child.pid!;
    return { kind, pid, graphqlUrl: new URL(message.graphqlUrl), readCpuMs: () => readProcessCpuMs(pid), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
