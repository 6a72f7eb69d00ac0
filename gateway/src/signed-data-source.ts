import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import fetch from 'node-fetch';
import { signSubgraphRequest } from '@addon-platform/platform';
import type { GatewayContext } from './context.js';

/**
 * A subgraph that could not be reached, broke the connection, sent an unreadable answer or did not
 * answer within `SUBGRAPH_TIMEOUT_MS`. The client is told only that a service behind the gateway
 * failed; the cause, with the subgraph's URL, goes to the gateway's log.
 */
export class SubgraphUnavailableError extends Error {
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(`the subgraph at ${url} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SubgraphUnavailableError';
  }
}

/** Below the shortest keep-alive timeout a subgraph server may have (Node's default: 5 s). */
const IDLE_SOCKET_MS = 4_000;

/**
 * Sends subgraph requests with the user's token forwarded and an HMAC over the exact bytes sent, so a
 * subgraph can refuse anything that did not come through the gateway.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(options: { url: string; secret: string; timeoutMs: number }) {
    const { url, secret, timeoutMs } = options;
    // node-fetch over keep-alive agents: in bench/gateway, Node's global fetch (undici and web streams)
    // cost about a quarter of the gateway's CPU per request more (ADR 004). An idle socket is dropped
    // after IDLE_SOCKET_MS, before a server's keep-alive timeout (Node's default is 5 s) can close it
    // under a request being sent, which fails that request with "socket hang up".
    const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS };
    const agent = new URL(url).protocol === 'https:' ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
    const fetcher: Fetcher = (requestUrl, init = {}) => {
      const headers = { ...(init.headers as Record<string, string>) };
      const { pathname, search } = new URL(requestUrl);
      const body = (init.body as string | undefined) ?? '';
      Object.assign(headers, signSubgraphRequest(secret, { method: init.method ?? 'POST', path: pathname + search, body, authorization: headers.authorization }));
      // node-fetch's own timeout covers the headers and then the body, and clears its timers as soon as
      // the answer is in. AbortSignal.timeout kept every request's signal and timer for the full
      // timeout: a heap snapshot under bench:catalog held 1,356 of each (ADR 020).
      return fetch(requestUrl, { method: init.method, headers, body, agent, timeout: timeoutMs }) as never;
    };
    super({ url, fetcher });
  }

  /**
   * An HTTP answer that is not a success arrives here as a GraphQLError carrying the response, which
   * the gateway's error formatter logs and hides; every other failure is the subgraph being unavailable.
   */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw new SubgraphUnavailableError(this.url!, error);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  /**
   * The query planner sends one entity representation per occurrence: 100 runtime instances of one
   * addon ask the addons subgraph for the same Addon 100 times. Each distinct representation is sent
   * once, and the answers are fanned back out in the planner's order.
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const representations = options.request.variables?.representations;
    if (!Array.isArray(representations) || representations.length < 2) return super.process(options);
    const slotOf = new Map<string, number>();
    const distinct: unknown[] = [];
    const slots = representations.map((representation) => {
      const key = JSON.stringify(representation);
      let slot = slotOf.get(key);
      if (slot === undefined) {
        slot = distinct.push(representation) - 1;
        slotOf.set(key, slot);
      }
      return slot;
    });
    if (distinct.length === representations.length) return super.process(options);

    const request = { ...options.request, variables: { ...options.request.variables, representations: distinct } };
    const response = await super.process({ ...options, request } as GraphQLDataSourceProcessOptions<GatewayContext>);
    const entities = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
    return {
      ...response,
      data: Array.isArray(entities) ? { ...response.data, _entities: slots.map((slot) => entities[slot]) } : response.data,
      errors: response.errors?.flatMap((error) => {
        const [root, slot, ...rest] = error.path ?? [];
        if (root !== '_entities' || typeof slot !== 'number') return [error];
        return slots.flatMap((candidate, index) => (candidate === slot ? [{ ...error, path: ['_entities', index, ...rest] }] : []));
      }),
    };
  }
}
