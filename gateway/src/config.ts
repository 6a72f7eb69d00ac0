import { createEnvReader, readCommonConfig, type CommonConfig, type Env } from '@addon-platform/platform';

export interface GatewayConfig extends CommonConfig {
  /** `SUPERGRAPH_PATH`: the composed supergraph; reloaded on change and on SIGHUP. Default schema/supergraph.graphql. */
  supergraphPath: string;
  /**
   * `SUBGRAPH_URL_<NAME>` (e.g. `SUBGRAPH_URL_REPOS`): replaces the URL the supergraph names for that
   * subgraph, so one composed file serves every deployment.
   */
  subgraphUrls: Record<string, string>;
  /** `MAX_QUERY_DEPTH`: deepest field nesting accepted, leaves counted. Default 15; the deepest natural read today is 12 (ADR 005). */
  maxQueryDepth: number;
  /** `MAX_QUERY_COST`: ceiling on the estimated number of fields resolved (see limits.ts). Default 10,000. */
  maxQueryCost: number;
  /** `SUBGRAPH_TIMEOUT_MS`: how long one subgraph request may take. Default 10 s. */
  subgraphTimeoutMs: number;
}

const SUBGRAPH_URL_PREFIX = 'SUBGRAPH_URL_';

export function readConfig(env: Env): GatewayConfig {
  const read = createEnvReader('gateway', env);
  const common = readCommonConfig(read, 4000);
  const subgraphUrls: Record<string, string> = {};
  for (const key of Object.keys(env).filter((name) => name.startsWith(SUBGRAPH_URL_PREFIX))) {
    const url = read.url(key);
    if (url) subgraphUrls[key.slice(SUBGRAPH_URL_PREFIX.length).toLowerCase()] = url;
  }
  const config: GatewayConfig = {
    ...common,
    supergraphPath: read.string('SUPERGRAPH_PATH', 'schema/supergraph.graphql'),
    subgraphUrls,
    maxQueryDepth: read.integer('MAX_QUERY_DEPTH', 15, { min: 2, max: 100 }),
    maxQueryCost: read.integer('MAX_QUERY_COST', 10_000, { min: 10 }),
    subgraphTimeoutMs: read.integer('SUBGRAPH_TIMEOUT_MS', 10_000, { min: 100 }),
  };
  read.done();
  return config;
}
