import { readSubgraphConfig, type Env, type SubgraphConfig } from '@addon-platform/platform';

export type AddonsConfig = SubgraphConfig;

/** Reads the addons subgraph's settings; see the README's configuration table. Default port 4002. */
export function readConfig(env: Env): AddonsConfig {
  return readSubgraphConfig('addons subgraph', env, 4002);
}
