/**
 * `npm test`: runs jest against `DATABASE_URL` when set, else against an embedded PostgreSQL in a
 * temporary folder that lives exactly as long as the run. Extra arguments go to jest.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@addon-platform/platform';
import { freePort } from '@addon-platform/platform/testing';

const env = { ...process.env };
let stopPostgres = async () => {};
if (!env.DATABASE_URL) {
  const dataDir = await mkdtemp(join(tmpdir(), 'addon-platform-test-pg-'));
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres_test' });
  env.DATABASE_URL = postgres.databaseUrl;
  stopPostgres = async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  console.log(`tests use an embedded PostgreSQL at ${postgres.databaseUrl}`);
}

const jest = spawn(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', ...process.argv.slice(2)],
  { stdio: 'inherit', env },
);
const forward = (signal: NodeJS.Signals) => jest.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise<number>((resolveExit) => jest.on('exit', (exitCode, signal) => resolveExit(exitCode ?? (signal ? 1 : 0))));
await stopPostgres();
process.exit(code);
