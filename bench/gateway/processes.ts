import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import type { Env } from '@addon-platform/platform';

/** Repo root: children resolve `--import` and workspace packages from here. */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** The flags `npm run bench:gateway` itself runs with, so children load the same TypeScript sources. */
const NODE_FLAGS = ['--conditions=source', '--import', '@swc-node/register/esm-register'];

/** CPUs this process may use; the bench needs two: one for the load, one for the servers. */
export function readAllowedCpus(): number[] {
  const line = execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' });
  const list = line.slice(line.lastIndexOf(':') + 1).trim();
  // A list such as "0,1" or "0-3,6".
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, index) => from + index);
  });
}

/**
 * Pins every thread of this process to `cpus`; children started afterwards (the embedded PostgreSQL)
 * inherit them, so the database runs where the servers do.
 */
export function pinThisProcess(cpus: readonly number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts a TypeScript entry of this folder under `taskset -c <cpus>` with an IPC channel, and under
 * `nice -n <niceness>` when one is given. taskset and nice exec in place, so `child.pid` is the node
 * process whose CPU time /proc reports.
 */
export function spawnPinned(cpus: readonly number[], entry: string, args: string[], env: Env, nodeFlags: string[] = [], niceness?: number): ChildProcess {
  const script = new URL(entry, import.meta.url).pathname;
  const niced = niceness === undefined ? [] : ['nice', '-n', String(niceness)];
  return spawn('taskset', ['-c', cpus.join(','), ...niced, process.execPath, ...NODE_FLAGS, ...nodeFlags, script, ...args], {
    cwd: REPO_ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Waits for the first IPC message of the child that `accept` recognises; fails if it exits first or in time. */
export function waitForMessage<T>(child: ChildProcess, accept: (message: unknown) => T | undefined, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    const timer = setTimeout(() => settle(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      const accepted = accept(message);
      if (accepted !== undefined) settle(undefined, accepted);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => settle(new Error(`${what}: the process exited (${signal ?? `code ${code}`})`));
    const settle = (error?: Error, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolveMessage(value!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
