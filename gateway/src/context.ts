import type { Viewer } from '@addon-platform/platform';

export interface GatewayContext {
  viewer: Viewer;
  /** The verified `Authorization` header, forwarded to subgraphs, which check it again. */
  authorization?: string;
  requestId?: string;
}
