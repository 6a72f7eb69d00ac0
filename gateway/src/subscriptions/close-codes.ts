import { CloseCode } from 'graphql-ws';
import { SUBSCRIPTION_CLOSE } from '@addon-platform/platform';

/**
 * Close codes of a client's subscription socket at the gateway (ADR 016). The two auth codes are
 * graphql-ws's own, as on the subgraphs; the others are the gateway's, in the application range
 * (4000–4999) and clear of graphql-ws's 44xx and 45xx. After any of them a client reconnects and
 * subscribes again with `after` set to the last cursor it received, and misses nothing.
 */
export const GATEWAY_CLOSE = {
  /** `connection_init` without a valid token: none, malformed, badly signed, expired, unknown roles. */
  refused: CloseCode.Forbidden,
  /** The token expired while the socket was open: reconnect with a fresh one. */
  tokenExpired: SUBSCRIPTION_CLOSE.tokenExpired,
  /** A subscription fell `SUBSCRIPTION_QUEUE_LIMIT` events behind: read faster, or resume from the last cursor. */
  slowConsumer: 4001,
  /** The supergraph was reloaded, so plans made for the old one ended: subscribe again. */
  supergraphReloaded: 4002,
} as const;
