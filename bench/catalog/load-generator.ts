import type { Env } from '@addon-platform/platform';
import { startPinnedLoad, type PinnedLoad } from '../gateway/load-generator.js';
import type { OpenLoopResult, OpenLoopRun } from './load-protocol.js';

export type OpenLoopGenerator = PinnedLoad<OpenLoopRun, OpenLoopResult>;

/** Starts the open-loop generator (load.ts of this folder) pinned to `cpu`. */
export function startOpenLoopGenerator(cpu: number, env: Env): Promise<OpenLoopGenerator> {
  // startPinnedLoad resolves its entry against bench/gateway/.
  return startPinnedLoad<OpenLoopRun, OpenLoopResult>(cpu, '../catalog/load.ts', env);
}
