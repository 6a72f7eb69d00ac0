import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { SourceError } from '../errors.js';
import type { ResolvedAddress, UrlGuard } from './policy.js';

export interface GuardedFetchOptions {
  /** Schemes the URL and every redirect may use, e.g. `['https:', 'http:']`. */
  schemes: readonly string[];
  headers?: Record<string, string>;
  /** Cancels the fetch; the caller's abort reason is thrown as is. */
  signal?: AbortSignal;
  method?: 'GET' | 'HEAD';
}

export interface GuardedResponse {
  status: number;
  /** Lowercased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The URL that answered, after redirects. */
  url: URL;
  /** Readable once; fails with TOO_LARGE past the guard's size limit and TIMEOUT past its time limit. */
  body: AsyncIterable<Buffer>;
  /** Releases the connection when the body will not be read (a 304, an error status). */
  close(): void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * An HTTP(S) request to a user-given URL that only ever connects where the guard allows: each hop is
 * resolved once through the guard and the socket goes to that pinned address, so DNS cannot answer
 * differently between the check and the connection. Redirects are followed by hand for the same reason.
 */
export async function guardedFetch(guard: UrlGuard, url: string | URL, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const given = guard.parse(String(url), options.schemes);
  const exchange = new Exchange(guard, given.host, options.method ?? 'GET', options.signal);
  try {
    let target = given;
    const headers = lowercaseNames(options.headers ?? {});
    for (let redirects = 0; ; redirects++) {
      const response = await exchange.send(target, headers, redirects > 0);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || !location) return exchange.respond(target, response);
      response.destroy();
      if (redirects === guard.maxRedirects) {
        throw new SourceError('UPSTREAM_ERROR', `${given.host} redirected more than ${guard.maxRedirects} times; give the URL the redirects end at.`);
      }
      const next = redirectTarget(guard, target, location, options.schemes, given.host);
      // The credential was given for the user's server, not for wherever that server points us.
      if (next.origin !== target.origin) delete headers.authorization;
      target = next;
    }
  } catch (error) {
    exchange.finish();
    throw exchange.explain(error);
  }
}

/** One fetch with its redirects: owns the time limit, the live request and how failures read. */
class Exchange {
  private readonly deadline = new AbortController();
  private readonly signal: AbortSignal;
  private readonly timer: NodeJS.Timeout;
  private request?: ClientRequest;
  private response?: IncomingMessage;

  constructor(
    private readonly guard: UrlGuard,
    private readonly givenHost: string,
    private readonly method: 'GET' | 'HEAD',
    private readonly callerSignal?: AbortSignal,
  ) {
    // Unreferenced: a live socket keeps the process up anyway, and an idle timer alone should not.
    this.timer = setTimeout(() => this.deadline.abort(), guard.timeoutMs).unref();
    this.signal = callerSignal ? AbortSignal.any([callerSignal, this.deadline.signal]) : this.deadline.signal;
    this.signal.addEventListener('abort', this.abort, { once: true });
  }

  async send(target: URL, headers: Record<string, string>, redirected: boolean): Promise<IncomingMessage> {
    const pinned = await this.resolve(target, redirected);
    this.signal.throwIfAborted();
    return new Promise((resolveResponse, reject) => {
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)({
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: this.method,
        headers: { ...headers, host: target.host },
        lookup: pinnedLookup(pinned),
        // A pooled socket could outlive the address check it was opened under.
        agent: false,
      });
      this.request = request;
      // Kept for the request's whole life: a socket error after the headers must not go unhandled.
      request.on('error', reject);
      request.once('response', (response) => {
        this.response = response;
        resolveResponse(response);
      });
      request.end();
    });
  }

  respond(url: URL, response: IncomingMessage): GuardedResponse {
    // A HEAD answer's Content-Length describes a body that never comes.
    const length = this.method === 'HEAD' ? 0 : Number(response.headers['content-length']);
    if (length > this.guard.maxBytes) {
      response.destroy();
      throw this.tooLarge();
    }
    return {
      status: response.statusCode ?? 0,
      headers: flattenHeaders(response.headers),
      url,
      body: this.read(response),
      close: () => {
        response.destroy();
        this.finish();
      },
    };
  }

  finish(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.abort);
  }

  /** The error to show the caller: the caller's own abort reason, else a SourceError naming the user's host. */
  explain(error: unknown): unknown {
    if (this.callerSignal?.aborted) return this.callerSignal.reason;
    if (this.deadline.signal.aborted) {
      return new SourceError('TIMEOUT', `${this.givenHost} did not send its whole answer within ${this.guard.timeoutMs} ms.`);
    }
    if (error instanceof SourceError) return error;
    return connectionError(error, this.givenHost);
  }

  private async resolve(target: URL, redirected: boolean): Promise<ResolvedAddress> {
    try {
      return await this.guard.resolve(target, this.signal);
    } catch (error) {
      // The user cannot see where a redirect points, and an internal name is not theirs to learn.
      if (redirected && error instanceof SourceError && error.code === 'FORBIDDEN_ADDRESS') {
        throw new SourceError(
          'FORBIDDEN_ADDRESS',
          `${this.givenHost} redirected to a loopback, private, link-local or otherwise special address; the platform does not follow that redirect.`,
        );
      }
      throw error;
    }
  }

  private async *read(response: IncomingMessage): AsyncGenerator<Buffer> {
    let bytes = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > this.guard.maxBytes) throw this.tooLarge();
        yield chunk;
      }
    } catch (error) {
      throw this.explain(error);
    } finally {
      response.destroy();
      this.finish();
    }
  }

  private readonly abort = () => {
    const reason = this.signal.reason;
    this.response?.destroy(reason);
    this.request?.destroy(reason);
  };

  private tooLarge(): SourceError {
    return new SourceError('TOO_LARGE', `The answer from ${this.givenHost} is larger than the ${formatBytes(this.guard.maxBytes)} limit.`);
  }
}

function redirectTarget(guard: UrlGuard, from: URL, location: string, schemes: readonly string[], givenHost: string): URL {
  let next: URL;
  try {
    next = guard.parse(new URL(location, from).href, schemes);
  } catch {
    throw new SourceError(
      'UPSTREAM_ERROR',
      `${givenHost} redirected to a URL the platform does not follow (it must be ${schemes.map((s) => s.slice(0, -1)).join(' or ')}, without embedded credentials).`,
    );
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new SourceError(
      'UPSTREAM_ERROR',
      `${givenHost} redirected from https to http; the platform does not follow a redirect that gives up TLS. Give the http URL yourself if that is intended.`,
    );
  }
  return next;
}

/** Hands the socket the address the guard checked, whatever name it was asked to connect to. */
function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

const UNREACHABLE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'closed the connection before answering in full',
  EPIPE: 'closed the connection before answering in full',
  EHOSTUNREACH: 'cannot be reached (no route to the host)',
  ENETUNREACH: 'cannot be reached (no route to the network)',
  ETIMEDOUT: 'did not accept the connection',
};

function connectionError(error: unknown, host: string): SourceError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code in UNREACHABLE_REASONS) return new SourceError('UNREACHABLE', `${host} ${UNREACHABLE_REASONS[code]}.`);
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) {
    return new SourceError('UNREACHABLE', `The TLS certificate of ${host} could not be verified (${code}).`);
  }
  if (code.startsWith('HPE_')) return new SourceError('UPSTREAM_ERROR', `${host} answered with something that is not valid HTTP.`);
  return new SourceError('UNREACHABLE', `Could not fetch from ${host}${code ? ` (${code})` : ''}.`);
}

function lowercaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${bytes} bytes`;
}
