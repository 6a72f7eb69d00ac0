import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { GraphQLDataSource } from '@apollo/gateway';
import { getVariableValues, GraphQLError, type ExecutionArgs, type GraphQLFormattedError } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import {
  ANONYMOUS,
  DomainError,
  SUBSCRIPTION_PATH,
  closeAtTokenExpiry,
  closeReason,
  domainError,
  registerGauge,
  toGraphQLError,
  type JwtVerifier,
  type Logger,
  type ServiceMetrics,
  type Viewer,
} from '@addon-platform/platform';
import type { SubscriptionConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import { checkOperationLimits, type OperationLimits } from '../limits.js';
import { GATEWAY_CLOSE } from './close-codes.js';
import { createFederatedSubscriptions } from './federated-subscription.js';
import { createSubscriptionPlanner, type SubscriptionPlan, type SubscriptionPlanner } from './planner.js';
import { createUpstreamPool } from './upstream-pool.js';

export interface GatewaySubscriptionsOptions {
  /** The gateway's HTTP server; upgrades of `/graphql` are taken. */
  server: Server;
  jwt: JwtVerifier;
  gatewaySecret: string;
  settings: SubscriptionConfig;
  limits: OperationLimits;
  subgraphUrls: Record<string, string>;
  /** The gateway's HTTP data sources by subgraph name (the same signed ones queries use). */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logger: Logger;
  /** Where the subscription gauges are registered. */
  metrics: ServiceMetrics['registry'];
  /** Largest message accepted, in bytes: the HTTP body limit. */
  maxPayloadBytes: number;
  production: boolean;
}

export interface GatewaySubscriptions {
  /** Plans with this supergraph from now on; subscriptions planned with an earlier one are ended (4002). */
  useSupergraph(supergraphSdl: string): void;
  stop(): Promise<void>;
}

interface ConnectionState {
  viewer: Viewer;
  authorization: string;
  cancelExpiry: () => void;
}

/** What `onSubscribe` hands to `subscribe` through graphql-ws. */
interface SubscriptionStart {
  plan: SubscriptionPlan;
  planner: SubscriptionPlanner;
  context: GatewayContext;
  socket: Extra['socket'];
  tenantKey: string;
}

/**
 * graphql-ws on the gateway's `/graphql`: clients never connect to a subgraph. A socket needs a valid
 * token in `connection_init` (`{ authorization: "Bearer <jwt>" }`), checked as HTTP checks it; each
 * subscription is validated and limited as a query is, planned, and run by a federated subscription.
 */
export function startGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { server, jwt, gatewaySecret, settings, limits, subgraphUrls, dataSources, formatError, logger, metrics, maxPayloadBytes, production } = options;
  const upstream = createUpstreamPool({ gatewaySecret });
  const federated = createFederatedSubscriptions({
    upstream,
    dataSources,
    queueLimit: settings.queueLimit,
    resubscribe: { attempts: settings.resubscribeAttempts, backoffMs: settings.resubscribeBackoffMs },
    logger,
  });
  registerGauge(metrics, 'gateway_subscriptions', 'Client subscriptions open on this gateway', () => federated.counts().subscriptions);
  registerGauge(metrics, 'gateway_subscription_streams', 'Upstream subscriptions to subgraphs; identical subscriptions of one user share one', () => federated.counts().streams);
  const connections = new Map<Extra['socket'], ConnectionState>();
  const openPerTenant = new Map<string, number>();
  const activeSockets = new Map<Extra['socket'], number>();
  let planner: SubscriptionPlanner | undefined;
  let supergraphSdl: string | undefined;

  const format = (error: GraphQLError): GraphQLFormattedError => {
    // Operation limits carry an HTTP status for Apollo; a socket has none to set.
    const { http: _http, ...extensions } = error.extensions;
    return formatError({ ...error.toJSON(), extensions }, error);
  };
  const refuse = (socket: Extra['socket'], reason: string) => {
    logger.warn({ reason }, 'refused a subscription socket');
    socket.close(GATEWAY_CLOSE.refused, closeReason(reason));
    return false;
  };
  const countSubscription = (socket: Extra['socket'], tenantKey: string, delta: 1 | -1) => {
    openPerTenant.set(tenantKey, (openPerTenant.get(tenantKey) ?? 0) + delta);
    if (openPerTenant.get(tenantKey) === 0) openPerTenant.delete(tenantKey);
    activeSockets.set(socket, (activeSockets.get(socket) ?? 0) + delta);
    if (activeSockets.get(socket) === 0) activeSockets.delete(socket);
  };

  const wss = new WebSocketServer({ server, path: SUBSCRIPTION_PATH, maxPayload: maxPayloadBytes });
  const graphqlWs = useServer<Record<string, unknown>>(
    {
      isProd: production,
      async onConnect({ connectionParams, extra }) {
        const authorization = typeof connectionParams?.authorization === 'string' ? connectionParams.authorization : undefined;
        if (!authorization) return refuse(extra.socket, 'Subscriptions need a signed-in viewer: send connection_init with { authorization: "Bearer <jwt>" }.');
        let viewer: Viewer;
        try {
          viewer = (await jwt.verifyHeader(authorization)) ?? ANONYMOUS;
        } catch (error) {
          if (error instanceof DomainError) return refuse(extra.socket, error.message);
          throw error;
        }
        const cancelExpiry = viewer.expiresAt === undefined ? () => {} : closeAtTokenExpiry(extra.socket, viewer.expiresAt);
        connections.set(extra.socket, { viewer, authorization, cancelExpiry });
        return true;
      },
      onClose({ extra }) {
        connections.get(extra.socket)?.cancelExpiry();
        connections.delete(extra.socket);
      },
      onSubscribe(ctx, _id, payload) {
        const connection = connections.get(ctx.extra.socket);
        if (!connection || !planner) return [toGraphQLError(domainError('UPSTREAM_UNAVAILABLE', 'The gateway is not ready to serve subscriptions yet; retry shortly.'))];
        const plan = planner.plan(payload.query, payload.operationName ?? undefined);
        if (!('upstream' in plan)) return [...plan];
        const variables = payload.variables ?? {};
        const coerced = getVariableValues(planner.apiSchema, plan.operation.variableDefinitions ?? [], variables);
        if (coerced.errors) return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } }));
        try {
          checkOperationLimits(limits, plan.operation, plan.document, planner.apiSchema, variables);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        // graphql-ws registers the subscription before this hook, so the count includes it.
        if (Object.keys(ctx.subscriptions).length > settings.maxPerConnection) {
          return [tooMany(`This connection already has ${settings.maxPerConnection} open subscriptions, the most allowed; complete one first.`, settings.maxPerConnection, 'connection')];
        }
        const { viewer, authorization } = connection;
        const tenantKey = viewer.tenant ? `tenant:${viewer.tenant}` : `user:${viewer.sub}`;
        if ((openPerTenant.get(tenantKey) ?? 0) >= settings.maxPerTenant) {
          return [tooMany(`Your ${viewer.tenant ? 'tenant' : 'account'} already has ${settings.maxPerTenant} open subscriptions on this gateway, the most allowed; complete one first.`, settings.maxPerTenant, 'tenant')];
        }
        countSubscription(ctx.extra.socket, tenantKey, 1);
        const start: SubscriptionStart = { plan, planner, context: { viewer, authorization, requestId: randomUUID() }, socket: ctx.extra.socket, tenantKey };
        return { schema: planner.apiSchema, document: plan.document, operationName: payload.operationName, variableValues: variables, contextValue: start } satisfies ExecutionArgs;
      },
      subscribe(args) {
        const { plan, planner: plannedWith, context, socket, tenantKey } = args.contextValue as SubscriptionStart;
        return federated.start({
          planner: plannedWith,
          plan,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          context,
          logger: logger.child({ requestId: context.requestId, sub: context.viewer.sub }),
          onSlowConsumer: () =>
            socket.close(GATEWAY_CLOSE.slowConsumer, closeReason(`A subscription fell ${settings.queueLimit} events behind; reconnect and resubscribe with after: your last cursor.`)),
          onTokenExpired: () => socket.close(GATEWAY_CLOSE.tokenExpired, 'The token has expired; reconnect with a fresh one and resubscribe from your cursors.'),
          onEnd: () => countSubscription(socket, tenantKey, -1),
        });
      },
      onNext: (_ctx, _id, _payload, _args, result) => ({ ...result, errors: result.errors?.map(format) }),
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );

  return {
    useSupergraph(sdl) {
      if (sdl === supergraphSdl) return;
      planner = createSubscriptionPlanner({ supergraphSdl: sdl, subgraphUrls, production });
      const reloaded = supergraphSdl !== undefined;
      supergraphSdl = sdl;
      if (!reloaded) return;
      for (const socket of activeSockets.keys()) {
        socket.close(GATEWAY_CLOSE.supergraphReloaded, 'The API was reloaded; reconnect and resubscribe with after: your last cursor.');
      }
    },
    async stop() {
      for (const connection of connections.values()) connection.cancelExpiry();
      await graphqlWs.dispose();
      await upstream.stop();
    },
  };
}

function tooMany(message: string, limit: number, scope: 'connection' | 'tenant'): GraphQLError {
  return toGraphQLError(domainError('TOO_MANY_SUBSCRIPTIONS', message, { limit, scope }));
}
