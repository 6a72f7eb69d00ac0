import { randomUUID } from 'node:crypto';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  ANONYMOUS,
  closeServer,
  createApolloDefaults,
  createFormatError,
  createHttpApp,
  createHttpErrorHandler,
  createJwtVerifier,
  createLogger,
  createServiceMetrics,
  listen,
  rethrowAsGraphQL,
  type Logger,
  type RunningService,
} from '@addon-platform/platform';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createOperationLimitsPlugin } from './limits.js';
import { SignedDataSource, SubgraphUnavailableError } from './signed-data-source.js';
import { startGatewaySubscriptions } from './subscriptions/index.js';
import { createFileSupergraphSource, readSubgraphEndpoints, resolveSubgraphUrl } from './supergraph.js';

export interface RunningGateway extends RunningService {
  /** Re-reads the supergraph file now (also done on change and on SIGHUP). */
  reloadSupergraph(): Promise<void>;
}

/** Serves the federated API on `/graphql` from the supergraph file, plus health, readiness and metrics. */
export async function startGateway(config: GatewayConfig, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ service: 'gateway', level: config.logLevel });
  const metrics = createServiceMetrics('gateway');
  const jwt = createJwtVerifier(config.jwt);
  const supergraph = createFileSupergraphSource({ path: config.supergraphPath, logger });

  // Kept by name for subscriptions, which run the rest of their plans through the same data sources.
  const dataSources = new Map<string, GraphQLDataSource>();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.hook,
    buildService: ({ name, url }) => {
      const dataSource = new SignedDataSource({
        url: resolveSubgraphUrl(name, url!, config.subgraphUrls),
        secret: config.gatewaySecret,
        timeoutMs: config.subgraphTimeoutMs,
      });
      dataSources.set(name, dataSource);
      return dataSource;
    },
    logger,
  });

  const { app, server } = createHttpApp({
    logger,
    metrics,
    isReady: async () => {
      if (!supergraph.current()) return false;
      const endpoints = readSubgraphEndpoints(supergraph.current(), config.subgraphUrls);
      const answers = await Promise.all(
        endpoints.map(({ url }) =>
          fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2_000) }).then(
            (response) => response.ok,
            () => false,
          ),
        ),
      );
      return answers.every(Boolean);
    },
  });

  const limits = { maxDepth: config.maxQueryDepth, maxCost: config.maxQueryCost };
  const formatError = hideSubgraphFailures(logger, createFormatError((error) => logger.error({ err: error }, 'unexpected error in gateway')));
  const subscriptions = startGatewaySubscriptions({
    server,
    jwt,
    gatewaySecret: config.gatewaySecret,
    settings: config.subscriptions,
    limits,
    subgraphUrls: config.subgraphUrls,
    dataSources,
    formatError,
    logger,
    metrics: metrics.registry,
    maxPayloadBytes: config.maxBodyBytes,
    production: config.production,
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => subscriptions.useSupergraph(coreSupergraphSdl));

  const apollo = new ApolloServer<GatewayContext>({
    ...createApolloDefaults({ production: config.production, httpServer: server, metrics, plugins: [createOperationLimitsPlugin(limits)] }),
    gateway,
    formatError,
  });
  await apollo.start().catch(async (error: unknown) => {
    await subscriptions.stop();
    throw error;
  });

  app.use(
    '/graphql',
    express.json({ limit: config.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const authorization = req.headers.authorization;
        const viewer = (await jwt.verifyHeader(authorization).catch(rethrowAsGraphQL)) ?? ANONYMOUS;
        return { viewer, authorization: viewer === ANONYMOUS ? undefined : authorization, requestId: randomUUID() };
      },
    }),
  );
  app.use(createHttpErrorHandler(logger, config.maxBodyBytes));

  const onHangup = () => void supergraph.reload();
  process.on('SIGHUP', onHangup);
  const url = await listen(server, config.host, config.port);
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    process.off('SIGHUP', onHangup);
    await subscriptions.stop();
    await apollo.stop();
    await closeServer(server);
  };
  logger.info({ url: new URL('/graphql', url).href }, 'gateway listening');

  return {
    url,
    graphqlUrl: new URL('/graphql', url),
    reloadSupergraph: supergraph.reload,
    stop: () => (stopped ??= stop()),
  };
}

/**
 * A subgraph's HTTP failure reaches Apollo with the subgraph's URL and raw answer attached, and a
 * subgraph that cannot be reached or times out with the URL in its cause; those describe our
 * internals, not the client's request, so they are logged and replaced.
 */
function hideSubgraphFailures(logger: Logger, format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const response = formatted.extensions?.response;
    const unavailable = error instanceof GraphQLError ? error.originalError : error;
    if (unavailable instanceof SubgraphUnavailableError) {
      logger.error({ subgraph: unavailable.url, err: unavailable.cause, path: formatted.path }, 'a subgraph could not be reached or did not answer in time');
    } else if (response !== undefined) {
      logger.error({ subgraphResponse: response, path: formatted.path }, 'a subgraph refused or failed a request');
    } else {
      return format(formatted, error);
    }
    return {
      message: 'A service behind the gateway could not answer; the failure has been logged. Retry later.',
      path: formatted.path,
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    };
  };
}
