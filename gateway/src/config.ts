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
  subscriptions: SubscriptionConfig;
}

/** Subscriptions over graphql-ws on `/graphql` (ADR 016). */
export interface SubscriptionConfig {
  /** `MAX_SUBSCRIPTIONS_PER_CONNECTION`: subscriptions open at once on one socket. Default 20: a console follows a few launches and its feed. */
  maxPerConnection: number;
  /**
   * `MAX_SUBSCRIPTIONS_PER_TENANT`: subscriptions open at once for one tenant (a user without a tenant
   * counts alone) on this gateway process; each replica counts its own. Default 500.
   */
  maxPerTenant: number;
  /**
   * `SUBSCRIPTION_QUEUE_LIMIT`: events of one subscription received from its subgraph and not yet
   * written to the client. Beyond it the client's socket is closed with 4001 (resume from your last
   * cursor) rather than let memory grow or drop events. Default 100; a launch has about 5.
   */
  queueLimit: number;
  /**
   * `SUBSCRIPTION_RESUBSCRIBE_ATTEMPTS`: attempts to subscribe again, from the last cursor, after the
   * owning subgraph went away, before the client's subscription ends with `UPSTREAM_UNAVAILABLE`.
   * Default 8: with the back-off below, about 20 s, longer than a subgraph restart takes.
   */
  resubscribeAttempts: number;
  /** `SUBSCRIPTION_RESUBSCRIBE_BACKOFF_MS`: wait before the first attempt, doubled at each next one up to 5 s. Default 200 ms. */
  resubscribeBackoffMs: number;
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
    subscriptions: {
      maxPerConnection: read.integer('MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, { min: 1 }),
      maxPerTenant: read.integer('MAX_SUBSCRIPTIONS_PER_TENANT', 500, { min: 1 }),
      queueLimit: read.integer('SUBSCRIPTION_QUEUE_LIMIT', 100, { min: 1 }),
      resubscribeAttempts: read.integer('SUBSCRIPTION_RESUBSCRIBE_ATTEMPTS', 8, { min: 0, max: 100 }),
      resubscribeBackoffMs: read.integer('SUBSCRIPTION_RESUBSCRIBE_BACKOFF_MS', 200, { min: 1, max: 60_000 }),
    },
  };
  read.done();
  return config;
}
