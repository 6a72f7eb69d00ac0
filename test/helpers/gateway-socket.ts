import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GatewaySocket {
  client: Client;
  /** Resolves with the close code and reason when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** The underlying socket once open, to stop reading from it (a client that does not keep up). */
  opened: Promise<WebSocket>;
}

/**
 * A graphql-ws client of the gateway, as an application would connect: `connection_init` carries
 * the bearer token (none without one). It does not retry, so every close reaches the test.
 */
export function connectGateway(graphqlUrl: URL, token?: string, connectionParams?: Record<string, unknown>): GatewaySocket {
  const url = new URL(graphqlUrl);
  url.protocol = 'ws:';
  let onClosed!: (close: { code: number; reason: string }) => void;
  let onOpened!: (socket: WebSocket) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const opened = new Promise<WebSocket>((resolve) => (onOpened = resolve));
  const client = createClient({
    url: url.href,
    webSocketImpl: WebSocket,
    connectionParams: connectionParams ?? (token ? { authorization: `Bearer ${token}` } : undefined),
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      opened: (socket) => onOpened(socket as WebSocket),
      closed: (event) => onClosed({ code: (event as CloseEvent).code, reason: String((event as CloseEvent).reason) }),
    },
  });
  return { client, closed, opened };
}
