import { readConfig as readAddonsConfig, startAddonsSubgraph } from '@addon-platform/addons';
import { readConfig as readGatewayConfig, startGateway, type RunningGateway } from '@addon-platform/gateway';
import type { Env, RunningSubgraph } from '@addon-platform/platform';
import { readConfig as readReposConfig, startReposSubgraph } from '@addon-platform/repos';
import { readConfig as readRuntimesConfig, startRuntimesSubgraph } from '@addon-platform/runtimes';

export interface PlatformOptions {
  databaseUrl: string;
  gatewaySecret: string;
  jwtSecret: string;
  /** `CREDENTIAL_KEYS` of the subgraphs that seal or open credentials. */
  credentialKeys: string;
  /** Ports of gateway, repos, addons and runtimes; 0 picks free ones. */
  ports?: { gateway: number; repos: number; addons: number; runtimes: number };
  supergraphPath?: string;
  /** Further settings, as environment variables, given to every service. */
  env?: Env;
  /** Settings for one service only, over `env` (e.g. `{ runtimes: { JOB_CONCURRENCY: '0' } }`). */
  serviceEnv?: Partial<Record<'gateway' | 'repos' | 'addons' | 'runtimes', Env>>;
}

export interface RunningPlatform {
  gateway: RunningGateway;
  subgraphs: { repos: RunningSubgraph; addons: RunningSubgraph; runtimes: RunningSubgraph };
  stop(): Promise<void>;
}

/**
 * Starts the three subgraphs and the gateway in this process, each configured through its own
 * `readConfig` exactly as when it runs alone. Repos starts first: its migration publishes the views
 * the others read.
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const { ports = { gateway: 0, repos: 0, addons: 0, runtimes: 0 }, supergraphPath = 'schema/supergraph.graphql' } = options;
  const env = (service: keyof typeof ports): Env => ({
    DATABASE_URL: options.databaseUrl,
    GATEWAY_SECRET: options.gatewaySecret,
    JWT_SECRET: options.jwtSecret,
    CREDENTIAL_KEYS: options.credentialKeys,
    ...options.env,
    ...options.serviceEnv?.[service],
    PORT: String(ports[service]),
  });
  const started: { stop(): Promise<void> }[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T) => {
    started.unshift(service);
    return service;
  };
  const stop = async () => {
    for (const service of started) await service.stop();
  };
  try {
    const repos = track(await startReposSubgraph(readReposConfig(env('repos'))));
    const [addons, runtimes] = await Promise.all([
      startAddonsSubgraph(readAddonsConfig(env('addons'))).then(track),
      startRuntimesSubgraph(readRuntimesConfig(env('runtimes'))).then(track),
    ]);
    const gateway = track(
      await startGateway(
        readGatewayConfig({
          ...env('gateway'),
          SUPERGRAPH_PATH: supergraphPath,
          SUBGRAPH_URL_REPOS: repos.graphqlUrl.href,
          SUBGRAPH_URL_ADDONS: addons.graphqlUrl.href,
          SUBGRAPH_URL_RUNTIMES: runtimes.graphqlUrl.href,
        }),
      ),
    );
    return { gateway, subgraphs: { repos, addons, runtimes }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
