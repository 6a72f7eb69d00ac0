import { randomBytes } from 'node:crypto';
import { newCredentialKeys, type Env } from '@addon-platform/platform';

export interface RunControl {
  /** Stops `service` at clean-up (in reverse order of tracking); returns it. */
  track<T extends { stop(): Promise<unknown> }>(service: T): T;
  /** Runs `cleanup` at clean-up, in reverse order of registration. */
  onCleanUp(cleanup: () => Promise<unknown>): void;
  /**
   * Runs the bench's body: an error fails the run (printed, unless an abort caused it: then it is only
   * the servers going away), then everything is stopped and the process exits with its exit code.
   */
  execute(body: () => Promise<void>): Promise<never>;
}

/**
 * A bench run that stops everything it started by itself, on success, failure, Ctrl-C, SIGTERM, or
 * when it is still running after `deadlineMs` (`deadlineHint` says which setting moves it).
 */
export function createRunControl(name: string, deadlineMs: number, deadlineHint = ''): RunControl {
  const cleanups: (() => Promise<unknown>)[] = [];
  let cleaningUp: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaningUp ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
    })());
  const abort = (reason: string, exitCode: number) => {
    console.error(`${name}: ${reason}; stopping everything`);
    void cleanUp().finally(() => process.exit(exitCode));
  };
  process.on('SIGINT', () => abort('interrupted', 130));
  process.on('SIGTERM', () => abort('terminated', 143));
  setTimeout(() => abort(`still running after ${deadlineMs / 1000} s${deadlineHint ? ` (${deadlineHint})` : ''}`, 1), deadlineMs).unref();
  return {
    track(service) {
      cleanups.push(() => service.stop());
      return service;
    },
    onCleanUp(cleanup) {
      cleanups.push(cleanup);
    },
    async execute(body) {
      try {
        await body();
      } catch (error) {
        if (cleaningUp === undefined) console.error(error);
        process.exitCode = 1;
      } finally {
        await cleanUp();
      }
      process.exit();
    },
  };
}

/**
 * The servers' environment: fresh secrets and keys, production mode, quiet logs, ports chosen by the
 * system, and nothing else inherited (a SUBGRAPH_URL_* or PORT of the caller's must not reach them).
 */
export function benchServerEnv(databaseUrl: string, more: Env = {}): Env {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    GATEWAY_SECRET: randomBytes(32).toString('hex'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    CREDENTIAL_KEYS: newCredentialKeys(),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...more,
  };
}
