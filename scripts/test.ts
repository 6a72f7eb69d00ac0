/**
 * `npm test`: runs jest against `DATABASE_URL` when set, else against an embedded PostgreSQL in a
 * temporary folder that lives exactly as long as the run. Extra arguments go to jest.
 */
import { spawn } from 'node:child_process';
import { startTemporaryPostgres } from '@addon-platform/platform/testing';

const env = { ...process.env };
let stopPostgres = async () => {};
if (!env.DATABASE_URL) {
  const postgres = await startTemporaryPostgres('postgres_test');
  env.DATABASE_URL = postgres.databaseUrl;
  stopPostgres = postgres.stop;
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
