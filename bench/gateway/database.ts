import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type Env } from '@addon-platform/platform';
import { freePort, withClient } from '@addon-platform/platform/testing';

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
export async function createBenchDatabase(env: Env): Promise<BenchDatabase> {
  const serverUrl = env.DATABASE_URL;
  if (serverUrl) {
    const name = `bench_${randomBytes(6).toString('hex')}`;
    await withClient(serverUrl, (client) => client.query(`create database ${name}`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      url: url.href,
      description: `database ${name} on DATABASE_URL's server (not pinned to a CPU)`,
      stop: () => withClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'addon-platform-bench-pg-'));
  try {
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench' });
    return {
      url: postgres.databaseUrl,
      description: 'embedded PostgreSQL on the servers\' CPU',
      async stop() {
        await postgres.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
