import type { Server } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { ServiceMetrics } from '../metrics.js';

/** Counts operations by type and outcome. */
export function createMetricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, errors }) {
          metrics.graphqlOperations.inc({ operation: operation?.operation ?? 'unknown', outcome: errors?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}

/**
 * The Apollo Server settings the gateway and every subgraph share, so the security-relevant ones
 * (introspection, CSRF prevention, batching, stack traces) are decided in one place.
 */
export function createApolloDefaults<TContext extends BaseContext>(options: {
  production: boolean;
  httpServer: Server;
  metrics: ServiceMetrics;
  plugins?: ApolloServerPlugin<TContext>[];
}) {
  const { production, httpServer, metrics, plugins = [] } = options;
  return {
    introspection: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // The process owns its signals (runUntilSignal, npm start): Apollo re-raising them cut our shutdown short.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Nothing here is HTTP-cacheable (per-viewer data); the default plugin would wrap every field's resolver to compute a policy.
      ApolloServerPluginCacheControlDisabled(),
      createMetricsPlugin(metrics),
      ...plugins,
    ] as ApolloServerPlugin<TContext>[],
  };
}
