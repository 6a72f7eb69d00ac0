import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '@addon-platform/platform';
import { readProcessCpuMs } from './cpu-time.js';
import { REPO_ROOT, spawnPinned, stopChild, waitForMessage } from './processes.js';
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

/**
 * The `NODE_OPTIONS` the image runs the services with (its Dockerfile's `ENV`), so that a bench measures
 * them as production runs them (ADR 018); empty when the Dockerfile sets none.
 */
export function readImageNodeOptions(dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')): string {
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const match = /^ENV\b.*\bNODE_OPTIONS=("[^"]*"|\S+)/m.exec(lastStage);
  return match ? match[1]!.replace(/^"|"$/g, '') : '';
}

export const IMAGE_NODE_OPTIONS = readImageNodeOptions();

/** For a report's footer: this Node, and the options the platform's server processes run with. */
export const SERVERS_NODE = `Node ${process.version} (the platform's servers with NODE_OPTIONS=${IMAGE_NODE_OPTIONS || '(none)'})`;

/**
 * Starts `serve.ts <kind>` pinned to `cpus` and resolves once it listens; `nodeFlags` go to its node
 * (e.g. `--cpu-prof`). The platform's services run with {@link IMAGE_NODE_OPTIONS}; Hive, the
 * comparison gateway of bench:gateway, with Node's defaults.
 */
export async function startServerProcess(kind: ServerKind, cpus: readonly number[], env: Env, nodeFlags: string[] = []): Promise<ServerProcess> {
  const serverEnv = kind === 'hive' ? env : { ...env, NODE_OPTIONS: [IMAGE_NODE_OPTIONS, env.NODE_OPTIONS].filter(Boolean).join(' ') };
  const child = spawnPinned(cpus, './serve.ts', [kind], serverEnv, nodeFlags);
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
