import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError, valueFromASTUntyped, type ExecutionResult } from 'graphql';
import type { FormattedExecutionResult } from 'graphql-ws';
import { SUBSCRIPTION_CLOSE, domainError, type Logger } from '@addon-platform/platform';
import type { GatewayContext } from '../context.js';
import { AFTER_VARIABLE, CURSOR_ALIAS, type SubscriptionPlan, type SubscriptionPlanner } from './planner.js';
import type { UpstreamLease, UpstreamPool } from './upstream-pool.js';

export interface ResubscribePolicy {
  attempts: number;
  backoffMs: number;
}

export interface FederatedSubscriptionOptions {
  planner: SubscriptionPlanner;
  plan: SubscriptionPlan;
  variables: Record<string, unknown>;
  context: GatewayContext;
  upstream: UpstreamPool;
  /** The gateway's HTTP data sources by subgraph name, for the rest of the plan. */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  /** Results waiting for the client beyond which it is closed as a slow consumer; also the most events processed at once. */
  queueLimit: number;
  resubscribe: ResubscribePolicy;
  logger: Logger;
  /** More than `queueLimit` results waited for the client. */
  onSlowConsumer(): void;
  /** The subgraph refused the forwarded token because it expired. */
  onTokenExpired(): void;
  /** Called once when the subscription ends, however it ends. */
  onEnd(): void;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * One client subscription: the primary fetch over graphql-ws to the owning subgraph, then for each
 * event the rest of the plan over HTTP, results handed on in event order. When the subgraph goes
 * away, or says this subscriber fell behind, the field is subscribed again after the cursor of the
 * last event received; every received event reaches the client, or the client is closed with the
 * slow-consumer code, so "received" and "delivered" never part and nothing is missed or repeated.
 */
export function startFederatedSubscription(options: FederatedSubscriptionOptions): AsyncGenerator<ExecutionResult> {
  const { planner, plan, variables, context, upstream, dataSources, queueLimit, resubscribe, logger } = options;
  const { upstream: operation } = plan;
  const clientVariables = Object.fromEntries(operation.variableUsages.filter((name) => name in variables).map((name) => [name, variables[name]]));
  const requestContext = {
    request: { operationName: plan.operation.name?.value, variables },
    context,
    logger,
    // executeQueryPlan records paths of subgraph errors here.
    metrics: {},
  } as unknown as GatewayGraphQLRequestContext;

  let after: unknown = operation.resume?.clientAfter ? valueFromASTUntyped(operation.resume.clientAfter, variables) : null;
  // Results waiting for the client to take them, and events still running the rest of their plan.
  const ready: ExecutionResult[] = [];
  let backlog = 0;
  let paused = false;
  let processing = Promise.resolve();
  let outcome: { error?: Error } | undefined;
  let stopped = false;
  let failures = 0;
  let lease: UpstreamLease | undefined;
  let unsubscribe: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const rouse = () => {
    wake?.();
    wake = undefined;
  };

  // Each upstream subscription is an attempt; the callbacks of one given up on are ignored (graphql-ws
  // calls `complete` when the gateway itself unsubscribes).
  let attempt = 0;
  const detach = () => {
    attempt += 1;
    unsubscribe?.();
    unsubscribe = undefined;
    lease?.release();
    lease = undefined;
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retryTimer);
    detach();
    options.onEnd();
    rouse();
  };
  // Ends after the events already received have been handed on.
  const finish = (error?: Error) => {
    detach();
    processing = processing.then(() => {
      outcome ??= { error };
      rouse();
    });
  };

  const runRestOfPlan = async (event: FormattedExecutionResult<Record<string, unknown>, unknown>): Promise<ExecutionResult> => {
    if (!event.data) return { errors: (event.errors ?? []).map(toGraphQLError) };
    const primarySource = dataSources.get(plan.primary.serviceName)!;
    const serviceMap: ServiceMap = Object.assign(Object.fromEntries(dataSources), {
      [plan.primary.serviceName]: {
        process: (request) => (request.request.query === plan.primary.operation ? Promise.resolve({ data: event.data, errors: event.errors }) : primarySource.process(request)),
      } satisfies GraphQLDataSource,
    });
    try {
      const { data, errors } = await executeQueryPlan(plan.eventPlan, serviceMap, requestContext, plan.operationContext, planner.supergraphSchema, planner.federationApiSchema);
      return errors ? { data, errors } : { data };
    } catch (error) {
      logger.error({ err: error }, 'running the rest of a subscription plan failed');
      return { data: null, errors: [new GraphQLError('Internal server error; it has been logged.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
    }
  };

  const receive = (event: FormattedExecutionResult<Record<string, unknown>, unknown>) => {
    if (stopped) return;
    failures = 0;
    const cursor = (event.data?.[operation.responseKey] as Record<string, unknown> | null | undefined)?.[CURSOR_ALIAS];
    if (cursor !== undefined && cursor !== null) after = cursor;
    backlog += 1;
    // A replay can arrive faster than the rest of the plan runs: stop reading it, and subscribe again
    // from the cursor once the backlog is worked off, so memory stays bounded without losing anything.
    if (operation.resume && backlog >= queueLimit && unsubscribe) {
      detach();
      paused = true;
    }
    processing = processing
      .then(() => runRestOfPlan(event))
      .then((result) => {
        backlog -= 1;
        if (stopped) return;
        ready.push(result);
        rouse();
        if (ready.length > queueLimit) {
          options.onSlowConsumer();
          stop();
          return;
        }
        if (paused && backlog === 0) {
          paused = false;
          subscribeUpstream();
        }
      });
  };

  const retry = (reason: unknown) => {
    failures += 1;
    if (!operation.resume || failures > resubscribe.attempts) {
      logger.warn({ err: reason, subgraph: operation.serviceName, failures }, 'a subscription lost its subgraph for good');
      finish(
        domainError(
          'UPSTREAM_UNAVAILABLE',
          operation.resume
            ? `The service behind this subscription stayed unreachable; subscribe again later${after == null ? '' : ` with after: "${String(after)}"`}.`
            : 'The service behind this subscription went away; subscribe again.',
          { cursor: after },
        ),
      );
      return;
    }
    const delayMs = Math.min(resubscribe.backoffMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
    logger.info({ subgraph: operation.serviceName, after, delayMs }, 'subscribing again after the subgraph went away');
    retryTimer = setTimeout(subscribeUpstream, delayMs);
  };

  const onUpstreamError = (error: unknown) => {
    detach();
    if (stopped) return;
    if (Array.isArray(error)) {
      const errors = (error as FormattedExecutionResult['errors'] & object).map(toGraphQLError);
      // The subgraph ended a subscriber that fell behind; the gateway picks up after what it received.
      if (operation.resume && errors.some((candidate) => candidate.extensions.code === 'SUBSCRIPTION_BEHIND')) {
        subscribeUpstream();
        return;
      }
      finish(errors[0]);
      return;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === SUBSCRIPTION_CLOSE.tokenExpired || code === SUBSCRIPTION_CLOSE.refused) {
      const expiresAt = context.viewer.expiresAt;
      if (expiresAt !== undefined && expiresAt * 1000 <= Date.now()) {
        options.onTokenExpired();
        stop();
        return;
      }
    }
    retry(error);
  };

  function subscribeUpstream() {
    if (stopped) return;
    const current = attempt;
    const isCurrent = () => current === attempt;
    lease = upstream.acquire(operation.url, context.authorization);
    unsubscribe = lease.client.subscribe(
      { query: operation.query, operationName: operation.operationName, variables: operation.resume ? { ...clientVariables, [AFTER_VARIABLE]: after } : clientVariables },
      {
        next: (event) => isCurrent() && receive(event),
        error: (error) => isCurrent() && onUpstreamError(error),
        complete: () => isCurrent() && finish(),
      },
    );
  }
  subscribeUpstream();

  const iterator: AsyncGenerator<ExecutionResult> = {
    async next() {
      for (;;) {
        const result = ready.shift();
        if (result) return { value: result, done: false };
        if (stopped) return { value: undefined, done: true };
        if (outcome) {
          stop();
          if (outcome.error) throw outcome.error;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      stop();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async [Symbol.asyncDispose]() {
      stop();
    },
  };
  return iterator;
}

/** A subgraph's error as the gateway hands it on: its message, path and extensions (the code) kept. */
function toGraphQLError(error: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }): GraphQLError {
  return new GraphQLError(error.message, { path: error.path, extensions: error.extensions });
}
