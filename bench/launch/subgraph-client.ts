import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signConnectionInit, signSubgraphRequest } from '@addon-platform/platform';

/**
 * Talks to the runtimes subgraph as the gateway would: HTTP requests and graphql-ws `connection_init`
 * signed with the gateway secret, carrying a user's bearer token.
 */
export class SubgraphClient {
  constructor(
    private readonly graphqlUrl: URL,
    private readonly gatewaySecret: string,
  ) {}

  /** A query or mutation; fails on an HTTP error or any GraphQL error. */
  async request<Data>(query: string, variables: Record<string, unknown>, token: string): Promise<Data> {
    const body = JSON.stringify({ query, variables });
    const authorization = `Bearer ${token}`;
    const path = this.graphqlUrl.pathname + this.graphqlUrl.search;
    const response = await fetch(this.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, ...signSubgraphRequest(this.gatewaySecret, { method: 'POST', path, body, authorization }) },
      body,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
    const result = JSON.parse(text) as { data?: Data; errors?: unknown[] };
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors).slice(0, 500)}`);
    return result.data!;
  }

  /** A graphql-ws connection for `token`, resolved once the subgraph has accepted its `connection_init`; it never retries. */
  openSocket(token: string, timeoutMs = 30_000): Promise<Client> {
    // Signed when the socket opens: the subgraph accepts a signature for 60 s only.
    return openGraphqlWs(this.graphqlUrl, () => signConnectionInit(this.gatewaySecret, `Bearer ${token}`), timeoutMs);
  }
}

/**
 * A graphql-ws connection to the server at `graphqlUrl` (a subgraph or the gateway), resolved once
 * its `connection_init` (`connectionParams`) is accepted. It never retries: a retry would resubscribe
 * from the start and replay what the bench has already counted.
 */
export function openGraphqlWs(graphqlUrl: URL, connectionParams: () => Record<string, unknown>, timeoutMs = 30_000): Promise<Client> {
  const url = new URL(graphqlUrl);
  url.protocol = 'ws:';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no graphql-ws connection within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      void client.dispose();
      reject(error instanceof Error ? error : new Error(`graphql-ws connection failed: ${JSON.stringify(error)}`));
    };
    const client = createClient({
      url: url.href,
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: fail,
      on: {
        connected: () => {
          clearTimeout(timer);
          resolve(client);
        },
      },
    });
  });
}

/** A `runtimeLaunchProgress` subscription's selection; `instance` costs the subgraph one more read per event. */
export function progressSubscription(instanceField: boolean): string {
  return `subscription ($id: ID!) { runtimeLaunchProgress(instanceId: $id) { cursor operation phase message createdAt${instanceField ? ' instance { id status }' : ''} } }`;
}

export interface ProgressEvent {
  cursor: string;
  operation: string;
  phase: string;
  message: string;
}

/** What a subscriber saw: events in arrival order with the bench clock's time of each. */
export interface Followed {
  instanceId: string;
  cursors: string[];
  phases: string[];
  receivedAt: number[];
  errors: unknown[];
  completed: boolean;
}

/**
 * Subscribes to one instance's launch progress on `client`, recording every event as it arrives;
 * `onEvent` sees each one at its arrival. Returns the record, a function to unsubscribe, and `ended`,
 * resolved when the subscription completes or fails.
 */
export function follow(
  client: Client,
  query: string,
  instanceId: string,
  now: () => number,
  onEvent?: (event: ProgressEvent, followed: Followed) => void,
): { followed: Followed; unsubscribe: () => void; ended: Promise<void> } {
  const followed: Followed = { instanceId, cursors: [], phases: [], receivedAt: [], errors: [], completed: false };
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const unsubscribe = client.subscribe<{ runtimeLaunchProgress: ProgressEvent }>(
    { query, variables: { id: instanceId } },
    {
      next: (result) => {
        const at = now();
        if (result.errors?.length) {
          followed.errors.push(result.errors);
          return;
        }
        const event = result.data!.runtimeLaunchProgress;
        followed.cursors.push(event.cursor);
        followed.phases.push(event.phase);
        followed.receivedAt.push(at);
        onEvent?.(event, followed);
      },
      error: (error) => {
        followed.errors.push(error instanceof Error ? error.message : error);
        end();
      },
      complete: () => {
        followed.completed = true;
        end();
      },
    },
  );
  return { followed, unsubscribe, ended };
}

/** Cursors that are not consecutive from `first`: each event once, in order, with no gap. */
export function cursorProblems(cursors: string[], first: bigint): string | undefined {
  for (let index = 0; index < cursors.length; index++) {
    if (BigInt(cursors[index]!) !== first + BigInt(index)) return `event ${index + 1} has cursor ${cursors[index]}, expected ${first + BigInt(index)}`;
  }
  return undefined;
}
