import type { Env } from '@addon-platform/platform';
import { createTestDatabase, startTemporaryPostgres } from '@addon-platform/platform/testing';

export interface BenchDatabase {
  url: string;
  /** Where the database runs, for the report. */
  description: string;
  /** Drops the bench's database, or stops the embedded server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * A database of the bench's own: a fresh `bench_…` database on the server `DATABASE_URL` names, or
 * else an embedded PostgreSQL in a temporary folder, started from this process (so it runs on the
 * CPU this process is pinned to).
 */
export async function createBenchDatabase(env: Env, placement = 'pinned with the servers'): Promise<BenchDatabase> {
  const serverUrl = env.DATABASE_URL;
  if (serverUrl) {
    const database = await createTestDatabase({ serverUrl, prefix: 'bench' });
    return { url: database.url, description: `database ${new URL(database.url).pathname.slice(1)} on DATABASE_URL's server (not pinned to a CPU)`, stop: database.drop };
  }
  const postgres = await startTemporaryPostgres('bench');
  return { url: postgres.databaseUrl, description: `embedded PostgreSQL, ${placement}`, stop: postgres.stop };
}
