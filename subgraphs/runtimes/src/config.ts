import { readSubgraphConfig, type Env, type SubgraphConfig } from '@addon-platform/platform';

export type RuntimesConfig = SubgraphConfig;

/** Reads the runtimes subgraph's settings; see the README's configuration table. Default port 4003. */
export function readConfig(env: Env): RuntimesConfig {
  return readSubgraphConfig('runtimes subgraph', env, 4003);
}
