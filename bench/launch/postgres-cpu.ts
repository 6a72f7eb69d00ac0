import { withClient } from '@addon-platform/platform/testing';
import { readProcessCpuMs } from '../gateway/cpu-time.js';

/** CPU time of each backend serving the bench's database, by pid; null when /proc cannot show them (the server is on another host). */
export async function readPostgresBackendsCpuMs(databaseUrl: string): Promise<Map<number, number> | null> {
  const pids = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.map((row) => row.pid);
  });
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      cpu.set(pid, readProcessCpuMs(pid));
    } catch {
      return null;
    }
  }
  return cpu;
}

/**
 * CPU the bench database's backends used between two readings: a backend started in between counts
 * from zero, one that ended in between is lost (the pools keep theirs open, so few do).
 */
export function postgresCpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
