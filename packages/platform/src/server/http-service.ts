import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';

export interface HttpServiceOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  /** Answers `/readyz`: true when everything the service needs is reachable. */
  isReady: () => Promise<boolean>;
}

/**
 * The express app every process serves: `/healthz` (process up), `/readyz` (dependencies reachable),
 * Prometheus `/metrics`, and a request timer. Routes of the service itself are added by the caller.
 */
export function createHttpApp(options: HttpServiceOptions): { app: Express; server: Server } {
  const { logger, metrics, isReady } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpRequestSeconds.startTimer();
    // Read now: a mounted router (`app.use('/graphql', …)`) rewrites req.path before the response ends.
    const route = routeLabel(req);
    res.on('finish', () => end({ route, status: String(res.statusCode) }));
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await isReady().catch((error: unknown) => {
      logger.warn({ err: error }, 'readiness check failed');
      return false;
    });
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const server = createServer({ IncomingMessage: constructedWith(IncomingMessage, app.request), ServerResponse: constructedWith(ServerResponse, app.response) }, app);
  // Longer than the idle timeout of the proxies and load balancers usually put in front (often 60 s),
  // so the server never closes a kept-alive connection a client is about to reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return { app, server };
}

/**
 * Express 5 gives every request and response its app's prototype with `Object.setPrototypeOf`. On
 * Node 20 that made V8 promote about 2 MB of each young-generation collection's survivors in the
 * addons subgraph at 200 req/s, so the old generation filled and a full collection paused the service
 * (10–40 ms) every few seconds. Built with those prototypes from the start, the call changes nothing
 * (ADR 019).
 */
function constructedWith<T extends typeof IncomingMessage | typeof ServerResponse>(base: T, prototype: object): T {
  // Node defines both as plain functions, not classes, so they can be called on `this`. Reflect.construct
  // with another new.target measured more promotion and more CPU than this (ADR 019).
  const construct = base as unknown as (this: object, ...args: unknown[]) => void;
  function Constructed(this: object, ...args: unknown[]) {
    construct.apply(this, args);
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as T;
}

// Label by route, never by raw URL: ids in paths would make the metric's cardinality unbounded.
function routeLabel(req: Request): string {
  return ['/graphql', '/healthz', '/readyz', '/metrics'].includes(req.path) ? req.path : 'other';
}

/** Listens and resolves to the bound URL (port 0 picks a free one). */
export async function listen(server: Server, host: string, port: number): Promise<URL> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return new URL(`http://${shownHost}:${address.port}/`);
}

/** Closes the server after in-flight requests finish, cutting idle keep-alive sockets at once. */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}

export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/** Sends a GraphQL-shaped error response from plain HTTP middleware. */
export function sendHttpError(res: Response, status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Turns body-parser failures into GraphQL-shaped errors; anything else is logged and hidden. */
export function createHttpErrorHandler(logger: Logger, maxBodyBytes: number) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number }).status;
    if (status === 413) return sendHttpError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${maxBodyBytes} bytes.`);
    if (status === 400) return sendHttpError(res, 400, 'BAD_USER_INPUT', 'The request body is not valid JSON.');
    logger.error({ err: error }, 'unexpected error in HTTP handler');
    return sendHttpError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error; it has been logged.');
  };
}
