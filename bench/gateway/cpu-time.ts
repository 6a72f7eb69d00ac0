import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The kernel's USER_HZ, the unit of every CPU time in /proc. */
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SEC;

/**
 * User plus system CPU time of a process, all its threads included (GC, libuv pool), from
 * /proc/<pid>/stat. Its resolution is one clock tick (10 ms), small against a 10 s run.
 */
export function readProcessCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ticksToMs(Number(fields[11]) + Number(fields[12]));
}

/** One CPU's line of /proc/stat, in ms: its busy time and the time the hypervisor took from it. */
function readCpuLine(cpu: number): { busyMs: number; stealMs: number } {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`/proc/stat has no line for cpu${cpu}`);
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busyMs: ticksToMs(user! + nice! + system! + irq! + softirq!), stealMs: ticksToMs(steal!) };
}

/**
 * Busy time of one CPU, every process and the kernel's own work (loopback networking) included,
 * from its line in /proc/stat. Set against the servers' own CPU time it shows what else ran on the
 * servers' CPU (the database, the kernel) and whether that CPU was saturated. Steal is not in it.
 */
export function readCpuBusyMs(cpu: number): number {
  return readCpuLine(cpu).busyMs;
}

/** Busy time of `cpus` together. */
export function readCpusBusyMs(cpus: readonly number[]): number {
  return cpus.reduce((sum, cpu) => sum + readCpuBusyMs(cpu), 0);
}

/**
 * Busy and steal time of `cpus` together, from one read of /proc/stat per CPU. Steal: while a virtual
 * CPU wanted to run, the hypervisor ran another guest on it. Nothing of ours can explain it; a run
 * with much of it measured the host, not the platform.
 */
export function readCpusTimesMs(cpus: readonly number[]): { busyMs: number; stealMs: number } {
  return cpus.map(readCpuLine).reduce((sum, times) => ({ busyMs: sum.busyMs + times.busyMs, stealMs: sum.stealMs + times.stealMs }), { busyMs: 0, stealMs: 0 });
}

/**
 * Waits until each of `cpus` is busy less than `maxBusy` of the time over one `sampleMs` interval:
 * the servers have finished the requests a previous run left in flight, and nothing else on the
 * machine is competing. Resolves false if that has not happened by `timeoutMs`.
 */
export async function waitForQuietCpus(cpus: readonly number[], { maxBusy = 0.1, sampleMs = 250, timeoutMs = 60_000 } = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = cpus.map(readCpuBusyMs);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, sampleMs));
    if (cpus.every((cpu, index) => readCpuBusyMs(cpu) - before[index]! < maxBusy * sampleMs)) return true;
  }
  return false;
}
