import { readFileSync } from 'node:fs';

/** Resident memory of a process from /proc/<pid>/status, in MiB: now (VmRSS) and its peak since it started (VmHWM). */
export function readMemoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) / 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}
