import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signConnectionInit } from '@addon-platform/platform';

export interface UpstreamLease {
  /** A graphql-ws client to the subgraph, shared by every subscription of the same user there. */
  client: Client;
  /** Hands the client back; the last holder's release closes it. */
  release(): void;
}

export interface UpstreamPool {
  acquire(url: string, authorization: string | undefined): UpstreamLease;
  stop(): Promise<void>;
}

/**
 * Subscription sockets from the gateway to the subgraphs, one per (subgraph, user's Authorization):
 * a subgraph checks the forwarded token once per socket, so sockets cannot be shared across users, and
 * one user's subscriptions need not open one socket each. A socket opens with its first subscription
 * and closes with its last.
 */
export function createUpstreamPool(options: { gatewaySecret: string }): UpstreamPool {
  const { gatewaySecret } = options;
  const entries = new Map<string, { client: Client; holders: number }>();

  const open = (url: string, authorization: string | undefined): Client =>
    createClient({
      url,
      webSocketImpl: WebSocket,
      // Signed afresh on every (re)connect: the signature is timestamped and a subgraph refuses an old one.
      connectionParams: () => signConnectionInit(gatewaySecret, authorization),
      lazy: true,
      // A drop is reported to every subscription on the socket: each resubscribes from its own cursor.
      // graphql-ws's own retry would resend the first `after` and replay what was already delivered.
      retryAttempts: 0,
    });

  return {
    acquire(url, authorization) {
      const key = `${url}\n${authorization ?? ''}`;
      let entry = entries.get(key);
      if (!entry) {
        entry = { client: open(url, authorization), holders: 0 };
        entries.set(key, entry);
      }
      const held = entry;
      held.holders += 1;
      let released = false;
      return {
        client: held.client,
        release() {
          if (released) return;
          released = true;
          held.holders -= 1;
          if (held.holders > 0 || entries.get(key) !== held) return;
          entries.delete(key);
          void held.client.dispose();
        },
      };
    },
    async stop() {
      const clients = [...entries.values()].map((entry) => entry.client);
      entries.clear();
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}
