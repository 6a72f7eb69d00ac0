import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { signSubgraphRequest } from '@addon-platform/platform';
import type { GatewayContext } from './context.js';

/**
 * Sends subgraph requests with the user's token forwarded and an HMAC over the exact bytes sent, so a
 * subgraph can refuse anything that did not come through the gateway.
 */
export function createSignedDataSource(options: { url: string; secret: string; timeoutMs: number }) {
  const { url, secret, timeoutMs } = options;
  const fetcher: Fetcher = (requestUrl, init = {}) => {
    const headers = { ...(init.headers as Record<string, string>) };
    const { pathname, search } = new URL(requestUrl);
    Object.assign(
      headers,
      signSubgraphRequest(secret, {
        method: init.method ?? 'POST',
        path: pathname + search,
        body: (init.body as string | undefined) ?? '',
        authorization: headers.authorization,
      }),
    );
    return fetch(requestUrl, { ...(init as RequestInit), headers, signal: AbortSignal.timeout(timeoutMs) }) as never;
  };
  return new RemoteGraphQLDataSource<GatewayContext>({
    url,
    fetcher,
    willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
      if (context.authorization) request.http?.headers.set('authorization', context.authorization);
      if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
    },
  });
}
