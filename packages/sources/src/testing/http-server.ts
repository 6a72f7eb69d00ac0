import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How the server answers one path. Without `file`, `body` or `redirect` it answers an empty `status`. */
export interface FixtureRoute {
  /** Default 200, or 302 with `redirect`. */
  status?: number;
  headers?: Record<string, string>;
  /** Streamed from disk, with its Content-Length. */
  file?: string;
  /** A fixed body, or chunks made per request (chunked: to stall mid-body or to grow past a limit). */
  body?: string | Buffer | (() => AsyncIterable<string | Buffer>);
  /** Sent as the Location of a `status` (302 by default) answer. */
  redirect?: string;
  /** Sent as ETag; a request whose If-None-Match equals it gets 304. */
  etag?: string;
  /** Any other Authorization is answered 401. */
  auth?: { basic: { username: string; password: string } } | { bearer: string };
  /** Takes the request and never answers, for time limits. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as requested. */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FixtureHttpServer {
  /** `http://<host>:<port>` (or https), without a trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Adds or replaces a route, e.g. a redirect that needs `url`. */
  route(path: string, route: FixtureRoute): void;
  /** Stops listening and drops open connections, hanging ones included. */
  close(): Promise<void>;
}

export interface FixtureHttpServerOptions {
  /** By path, without the query. Other paths get 404. */
  routes?: Record<string, FixtureRoute>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serves https with this key and certificate. */
  tls?: { key: string; cert: string };
}

const NOT_FOUND: FixtureRoute = { status: 404 };

/** A real HTTP server on a free loopback port, answering from a table of routes, for tests and benchmarks. */
export async function startFixtureHttpServer({ routes = {}, host = '127.0.0.1', tls }: FixtureHttpServerOptions = {}): Promise<FixtureHttpServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers });
    const route = table.get(new URL(request.url ?? '/', 'http://fixture').pathname) ?? NOT_FOUND;
    answer(request, response, route).catch(() => response.destroy());
  };
  const server: Server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolveListen);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    route: (path, route) => table.set(path, route),
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, route: FixtureRoute): Promise<void> {
  if (route.hang) return;
  const headers: Record<string, string> = { ...(route.etag ? { etag: route.etag } : {}), ...route.headers };
  const bodiless = bodilessAnswer(request, route, headers);
  if (bodiless) {
    response.writeHead(bodiless.status, bodiless.headers).end();
    return;
  }
  const status = route.status ?? 200;
  if (route.file) {
    const { size } = await stat(route.file);
    response.writeHead(status, { 'content-length': String(size), ...headers });
    await pipeline(createReadStream(route.file), response);
  } else if (typeof route.body === 'function') {
    response.writeHead(status, headers);
    // Headers go out now, not with a first chunk that a stalling body may never make.
    response.flushHeaders();
    await pipeline(Readable.from(route.body()), response);
  } else {
    const body = route.body ?? '';
    response.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
    response.end(body);
  }
}

/** A 401, a 304 or a redirect: answers that carry no body. */
function bodilessAnswer(
  request: IncomingMessage,
  route: FixtureRoute,
  headers: Record<string, string>,
): { status: number; headers: Record<string, string> } | undefined {
  if (route.auth && request.headers.authorization !== expectedAuthorization(route.auth)) {
    return { status: 401, headers: { 'www-authenticate': 'Basic realm="fixture"' } };
  }
  if (route.etag && request.headers['if-none-match'] === route.etag) return { status: 304, headers };
  if (route.redirect) return { status: route.status ?? 302, headers: { ...headers, location: route.redirect } };
  return undefined;
}

function expectedAuthorization(auth: NonNullable<FixtureRoute['auth']>): string {
  if ('bearer' in auth) return `Bearer ${auth.bearer}`;
  return `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
}
