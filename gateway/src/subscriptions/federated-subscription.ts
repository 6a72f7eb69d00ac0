import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
// Not exported from the package's index; the lockfile pins the version this was read against (ADR 016).
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
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

export interface FederatedSubscriptionsOptions {
  upstream: UpstreamPool;
  /** The gateway's HTTP data sources by subgraph name, for the rest of the plan. */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  /** Results waiting for a client beyond which it is closed as a slow consumer; also the most events processed at once. */
  queueLimit: number;
  resubscribe: ResubscribePolicy;
  logger: Logger;
}

/** One client subscription. */
export interface SubscriptionRequest {
  planner: SubscriptionPlanner;
  plan: SubscriptionPlan;
  variables: Record<string, unknown>;
  context: GatewayContext;
  logger: Logger;
  /** More than `queueLimit` results waited for the client. */
  onSlowConsumer(): void;
  /** The subgraph refused the forwarded token because it expired. */
  onTokenExpired(): void;
  /** Called once when the subscription ends, however it ends. */
  onEnd(): void;
}

export interface FederatedSubscriptions {
  start(request: SubscriptionRequest): AsyncGenerator<ExecutionResult>;
  /** Client subscriptions open, and the upstream streams they share. */
  counts(): { subscriptions: number; streams: number };
}

const MAX_BACKOFF_MS = 5_000;
/** The most results a stream keeps so that an identical subscription can still join it from its start. */
const MAX_JOIN_HISTORY = 100;

interface Member {
  request: SubscriptionRequest;
  ready: ExecutionResult[];
  wake?: () => void;
  left: boolean;
}

/**
 * Client subscriptions run as shared streams: identical subscriptions (the same operation and
 * variables, with the same Authorization, so nothing that depends on the viewer can cross users) join
 * one stream, which subscribes upstream once and runs the rest of the plan once per event, then hands
 * each member the same result. A stream keeps its first results (up to {@link MAX_JOIN_HISTORY}):
 * a subscription joining later gets them first, so it sees exactly what it would have seen had it
 * subscribed when the stream did. Past that, an identical subscription starts a stream of its own.
 */
export function createFederatedSubscriptions(options: FederatedSubscriptionsOptions): FederatedSubscriptions {
  const joinable = new Map<SubscriptionPlan, Map<string, SharedStream>>();
  const live = new Set<SharedStream>();
  return {
    counts() {
      let subscriptions = 0;
      for (const stream of live) subscriptions += stream.memberCount;
      return { subscriptions, streams: live.size };
    },
    start(request) {
      const key = JSON.stringify([request.context.authorization ?? '', request.plan.operation.name?.value ?? '', request.variables]);
      const streams = joinable.get(request.plan) ?? new Map<string, SharedStream>();
      joinable.set(request.plan, streams);
      let stream = streams.get(key);
      if (!stream?.history) {
        const created: SharedStream = new SharedStream(request, options, {
          closeToJoins() {
            if (streams.get(key) !== created) return;
            streams.delete(key);
            if (streams.size === 0 && joinable.get(request.plan) === streams) joinable.delete(request.plan);
          },
          onStop: () => live.delete(created),
        });
        stream = created;
        streams.set(key, stream);
        live.add(stream);
      }
      return stream.join(request);
    },
  };
}

/**
 * One upstream subscription: the primary fetch over graphql-ws to the owning subgraph, then for each
 * event the rest of the plan over HTTP, results handed to every member in event order. When the
 * subgraph goes away, or says this subscriber fell behind, the field is subscribed again after the
 * cursor of the last event received; every received event reaches every member, or the member is
 * closed with the slow-consumer code, so "received" and "delivered" never part and nothing is missed
 * or repeated.
 */
class SharedStream {
  private readonly members = new Set<Member>();
  /** The results so far while a subscription may still join; null once it may not. */
  history: ExecutionResult[] | null = [];
  private readonly clientVariables: Record<string, unknown>;
  private readonly requestContext: GatewayGraphQLRequestContext;
  private readonly logger: Logger;
  private after: unknown;
  private backlog = 0;
  private paused = false;
  private processing = Promise.resolve();
  private outcome: { error?: Error } | undefined;
  private stopped = false;
  private failures = 0;
  private lease: UpstreamLease | undefined;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  // Each upstream subscription is an attempt; the callbacks of one given up on are ignored (graphql-ws
  // calls `complete` when the gateway itself unsubscribes).
  private attempt = 0;

  constructor(
    private readonly first: SubscriptionRequest,
    private readonly options: FederatedSubscriptionsOptions,
    private readonly registry: { closeToJoins(): void; onStop(): void },
  ) {
    const { plan, variables, context } = first;
    const operation = plan.upstream;
    this.logger = first.logger;
    this.clientVariables = Object.fromEntries(operation.variableUsages.filter((name) => name in variables).map((name) => [name, variables[name]]));
    this.requestContext = {
      request: { operationName: plan.operation.name?.value, variables },
      context,
      logger: this.logger,
      // executeQueryPlan records paths of subgraph errors here.
      metrics: {},
    } as unknown as GatewayGraphQLRequestContext;
    this.after = operation.resume?.clientAfter ? valueFromASTUntyped(operation.resume.clientAfter, variables) : null;
    this.subscribeUpstream();
  }

  get memberCount(): number {
    return this.members.size;
  }

  join(request: SubscriptionRequest): AsyncGenerator<ExecutionResult> {
    const member: Member = { request, ready: [...(this.history ?? [])], left: false };
    this.members.add(member);
    const iterator: AsyncGenerator<ExecutionResult> = {
      next: async () => {
        for (;;) {
          const result = member.ready.shift();
          if (result) return { value: result, done: false };
          if (member.left) return { value: undefined, done: true };
          if (this.outcome) {
            this.leave(member);
            if (this.outcome.error) throw this.outcome.error;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (member.wake = resolve));
        }
      },
      return: async () => {
        this.leave(member);
        return { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        this.leave(member);
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
      [Symbol.asyncDispose]: async () => this.leave(member),
    };
    return iterator;
  }

  private leave(member: Member) {
    if (member.left) return;
    member.left = true;
    this.members.delete(member);
    member.request.onEnd();
    rouse(member);
    if (this.members.size === 0) this.stop();
  }

  private stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.history = null;
    this.registry.closeToJoins();
    this.registry.onStop();
    clearTimeout(this.retryTimer);
    this.detach();
  }

  private detach() {
    this.attempt += 1;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.lease?.release();
    this.lease = undefined;
  }

  /** Ends every member after the events already received have been handed on. */
  private finish(error?: Error) {
    this.detach();
    this.history = null;
    this.registry.closeToJoins();
    this.processing = this.processing.then(() => {
      this.outcome ??= { error };
      for (const member of this.members) rouse(member);
    });
  }

  private deliver(result: ExecutionResult) {
    if (this.history) {
      this.history.push(result);
      if (this.history.length > Math.min(MAX_JOIN_HISTORY, this.options.queueLimit)) {
        this.history = null;
        this.registry.closeToJoins();
      }
    }
    for (const member of [...this.members]) {
      member.ready.push(result);
      rouse(member);
      if (member.ready.length > this.options.queueLimit) {
        member.request.onSlowConsumer();
        this.leave(member);
      }
    }
  }

  private async runRestOfPlan(event: FormattedExecutionResult<Record<string, unknown>, unknown>): Promise<ExecutionResult> {
    if (!event.data) return { errors: (event.errors ?? []).map(toGraphQLError) };
    const { planner, plan } = this.first;
    if (plan.shaping && !event.errors?.length) {
      // The event is the whole answer: shaped as executeQueryPlan shapes it (its errors of value
      // completion are dropped here as below), with the operation built once per plan.
      const { data } = computeResponse({ operation: plan.shaping, variables: this.requestContext.request.variables, input: event.data, introspectionHandling: noIntrospection });
      return { data };
    }
    const { dataSources } = this.options;
    const primarySource = dataSources.get(plan.primary.serviceName)!;
    const serviceMap: ServiceMap = Object.assign(Object.fromEntries(dataSources), {
      [plan.primary.serviceName]: {
        process: (request) => (request.request.query === plan.primary.operation ? Promise.resolve({ data: event.data, errors: event.errors }) : primarySource.process(request)),
      } satisfies GraphQLDataSource,
    });
    try {
      const { data, errors } = await executeQueryPlan(plan.eventPlan, serviceMap, this.requestContext, plan.operationContext, planner.supergraphSchema, planner.federationApiSchema);
      return errors ? { data, errors } : { data };
    } catch (error) {
      this.logger.error({ err: error }, 'running the rest of a subscription plan failed');
      return { data: null, errors: [new GraphQLError('Internal server error; it has been logged.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
    }
  }

  private receive(event: FormattedExecutionResult<Record<string, unknown>, unknown>) {
    if (this.stopped) return;
    const operation = this.first.plan.upstream;
    this.failures = 0;
    const cursor = (event.data?.[operation.responseKey] as Record<string, unknown> | null | undefined)?.[CURSOR_ALIAS];
    if (cursor !== undefined && cursor !== null) this.after = cursor;
    this.backlog += 1;
    // A replay can arrive faster than the rest of the plan runs: stop reading it, and subscribe again
    // from the cursor once the backlog is worked off, so memory stays bounded without losing anything.
    if (operation.resume && this.backlog >= this.options.queueLimit && this.unsubscribe) {
      this.detach();
      this.paused = true;
    }
    this.processing = this.processing
      .then(() => this.runRestOfPlan(event))
      .then((result) => {
        this.backlog -= 1;
        if (this.stopped) return;
        this.deliver(result);
        if (this.paused && this.backlog === 0) {
          this.paused = false;
          this.subscribeUpstream();
        }
      });
  }

  private retry(reason: unknown) {
    const operation = this.first.plan.upstream;
    const { resubscribe } = this.options;
    this.failures += 1;
    if (!operation.resume || this.failures > resubscribe.attempts) {
      this.logger.warn({ err: reason, subgraph: operation.serviceName, failures: this.failures }, 'a subscription lost its subgraph for good');
      const after = this.after;
      this.finish(
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
    const delayMs = Math.min(resubscribe.backoffMs * 2 ** (this.failures - 1), MAX_BACKOFF_MS);
    this.logger.info({ subgraph: operation.serviceName, after: this.after, delayMs }, 'subscribing again after the subgraph went away');
    this.retryTimer = setTimeout(() => this.subscribeUpstream(), delayMs);
  }

  private onUpstreamError(error: unknown) {
    this.detach();
    if (this.stopped) return;
    const operation = this.first.plan.upstream;
    if (Array.isArray(error)) {
      const errors = (error as FormattedExecutionResult['errors'] & object).map(toGraphQLError);
      // The subgraph ended a subscriber that fell behind; the gateway picks up after what it received.
      if (operation.resume && errors.some((candidate) => candidate.extensions.code === 'SUBSCRIPTION_BEHIND')) {
        this.subscribeUpstream();
        return;
      }
      this.finish(errors[0]);
      return;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === SUBSCRIPTION_CLOSE.tokenExpired || code === SUBSCRIPTION_CLOSE.refused) {
      const expiresAt = this.first.context.viewer.expiresAt;
      if (expiresAt !== undefined && expiresAt * 1000 <= Date.now()) {
        // Every member holds the same token.
        for (const member of [...this.members]) {
          member.request.onTokenExpired();
          this.leave(member);
        }
        return;
      }
    }
    this.retry(error);
  }

  private subscribeUpstream() {
    if (this.stopped) return;
    const operation = this.first.plan.upstream;
    const current = this.attempt;
    const isCurrent = () => current === this.attempt;
    this.lease = this.options.upstream.acquire(operation.url, this.first.context.authorization);
    this.unsubscribe = this.lease.client.subscribe(
      {
        query: operation.query,
        operationName: operation.operationName,
        variables: operation.resume ? { ...this.clientVariables, [AFTER_VARIABLE]: this.after } : this.clientVariables,
      },
      {
        next: (event) => isCurrent() && this.receive(event),
        error: (error) => isCurrent() && this.onUpstreamError(error),
        complete: () => isCurrent() && this.finish(),
      },
    );
  }
}

function rouse(member: Member) {
  member.wake?.();
  member.wake = undefined;
}

/** A subgraph's error as the gateway hands it on: its message, path and extensions (the code) kept. */
function toGraphQLError(error: { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }): GraphQLError {
  return new GraphQLError(error.message, { path: error.path, extensions: error.extensions });
}

/** A subscription's root field is never an introspection field (GraphQL's single root field rule). */
function noIntrospection(): never {
  throw new Error('introspection inside a subscription event');
}
