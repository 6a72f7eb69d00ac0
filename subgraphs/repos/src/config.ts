import { readSubgraphConfig, type Env, type SubgraphConfig } from '@addon-platform/platform';

export type ReposConfig = SubgraphConfig;

/** Reads the repos subgraph's settings; see the README's configuration table. Default port 4001. */
export function readConfig(env: Env): ReposConfig {
  return readSubgraphConfig('repos subgraph', env, 4001);
}
