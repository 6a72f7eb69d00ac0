import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { freePort } from './wait.js';
import pg from 'pg';

/**
 * The server tests run against: `DATABASE_URL` when set, else the embedded one the jest global setup
 * started (it sets `DATABASE_URL` for the workers).
 */
export function testServerUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through `npm test`, which starts PostgreSQL when needed.');
  return url;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database per test file, so no test leans on another's data. */
export async function createTestDatabase(options: { serverUrl?: string; prefix?: string } = {}): Promise<TestDatabase> {
  const { serverUrl = testServerUrl(), prefix = 'test' } = options;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => withClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** An embedded PostgreSQL in a temporary folder that `stop()` removes: for test and bench runs. */
export async function startTemporaryPostgres(database: string): Promise<{ databaseUrl: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'addon-platform-pg-'));
  try {
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database });
    return {
      databaseUrl: postgres.databaseUrl,
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
