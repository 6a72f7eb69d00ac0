import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySubgraphRequest, type JwtVerifier, type Viewer, ANONYMOUS } from '../auth/index.js';
import { DomainError, createFormatError, toGraphQLError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { createApolloDefaults } from './apollo-defaults.js';
import { closeServer, createHttpApp, createHttpErrorHandler, listen, sendHttpError, type RawBodyRequest } from './http-service.js';
import { startSubscriptionServer } from './subscription-server.js';

export interface RequestScope {
  viewer: Viewer;
  logger: Logger;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  schema: GraphQLSchema;
  host: string;
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Shared with the gateway; requests without its HMAC are refused. */
  gatewaySecret: string;
  /** Verifies the user JWT the gateway forwards. */
  jwt: JwtVerifier;
  /** Builds per-request state: a forked EntityManager, services, from the verified viewer. */
  context: (scope: RequestScope) => TContext | Promise<TContext>;
  isReady: () => Promise<boolean>;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Production mode turns introspection off. */
  production: boolean;
}

export interface RunningService {
  url: URL;
  /** The GraphQL endpoint. */
  graphqlUrl: URL;
  stop(): Promise<void>;
}

/**
 * Serves one subgraph: Apollo Server on `/graphql` behind the gateway-signature check and the JWT
 * check, graphql-ws on the same path for subscriptions (checked the same way at `connection_init`),
 * plus the health, readiness and metrics routes every service has.
 */
export async function startSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<RunningService> {
  const { schema, host, port, logger, metrics, gatewaySecret, jwt, context, isReady, maxBodyBytes = 1 << 20, production } = options;
  const { app, server } = createHttpApp({ logger, metrics, isReady });

  const apollo = new ApolloServer<TContext>({
    ...createApolloDefaults({ production, httpServer: server, metrics, plugins: [ApolloServerPluginInlineTraceDisabled()] }),
    schema,
    formatError: createFormatError((error) => logger.error({ err: error }, 'unexpected error in resolver')),
  });
  await apollo.start();

  app.use(
    '/graphql',
    express.json({
      limit: maxBodyBytes,
      verify: (req, _res, buf) => {
        (req as RawBodyRequest).rawBody = buf;
      },
    }),
    (req: Request, res: Response, next: NextFunction) => {
      const check = verifySubgraphRequest(
        gatewaySecret,
        {
          method: req.method,
          path: req.originalUrl,
          body: (req as RawBodyRequest).rawBody ?? '',
          authorization: req.headers.authorization,
        },
        { signature: req.header(SIGNATURE_HEADER), timestamp: req.header(TIMESTAMP_HEADER) },
      );
      if (!check.ok) {
        logger.warn({ path: req.originalUrl, reason: check.reason }, 'refused a request not signed by the gateway');
        sendHttpError(res, 401, 'UNAUTHENTICATED', check.reason);
        return;
      }
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const viewer = (await jwt.verifyHeader(req.headers.authorization).catch(rethrowAsGraphQL)) ?? ANONYMOUS;
        const requestLogger = logger.child({ requestId: req.header('x-request-id') ?? randomUUID(), sub: viewer.sub });
        return context({ viewer, logger: requestLogger });
      },
    }),
  );
  app.use(createHttpErrorHandler(logger, maxBodyBytes));
  const subscriptions = startSubscriptionServer({ server, schema, logger, metrics, gatewaySecret, jwt, context, maxPayloadBytes: maxBodyBytes, production });

  const url = await listen(server, host, port);
  logger.info({ url: url.href }, 'subgraph listening');
  return {
    url,
    graphqlUrl: new URL('/graphql', url),
    async stop() {
      // Open sockets would hold the HTTP server's close (and Apollo's drain) until they end.
      await subscriptions.stop();
      await apollo.stop();
      await closeServer(server);
    },
  };
}

/** Context-function errors leave as GraphQL errors with an HTTP status (401 for a bad token). */
export function rethrowAsGraphQL(error: unknown): never {
  if (error instanceof DomainError) throw toGraphQLError(error);
  throw error;
}
