import { ApiException, Observable, type ConfigurationOptions, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import type { SharedAgents } from './shared-agents.js';

/**
 * What went wrong with one call to an API server, before anyone words it: shared by the environment
 * probe (which words it for the operator who typed a kubeconfig) and the driver (which words it for the
 * launch events). Nothing here keeps the error's text, which may carry response headers or plugin output.
 */
export type RequestFailure =
  | { kind: 'TIMEOUT' }
  | { kind: 'TLS' }
  | { kind: 'UNREACHABLE' }
  /** Failed before a request went out: an exec plugin, or credentials client-node could not use. */
  | { kind: 'CREDENTIALS' }
  /** The server answered with a status outside 2xx; `status` is its `Status` object when it sent one. */
  | { kind: 'HTTP'; code: number; status?: ApiStatus };

/** The parts of a Kubernetes `Status` answer the driver reads. */
export interface ApiStatus {
  reason?: string;
  message?: string;
  code?: number;
}

/** Thrown when a call runs past its time limit; its own class so it is never taken for the caller's abort. */
export class RequestTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

/** A non-2xx answer to a request the driver made itself (watch streams, the service proxy). */
export class HttpStatusFailure extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
    this.name = 'HttpStatusFailure';
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME|ALTNAME/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

export function requestFailureOf(error: unknown): RequestFailure {
  if (error instanceof RequestTimeout) return { kind: 'TIMEOUT' };
  if (error instanceof ApiException) return { kind: 'HTTP', code: error.code, ...withStatus(readStatus(error.body)) };
  if (error instanceof HttpStatusFailure) return { kind: 'HTTP', code: error.code, ...withStatus(readStatus(error.body)) };
  // A probe aborts its own controller at its time limit; node-fetch reports that as an AbortError.
  if (error instanceof Error && error.name === 'AbortError') return { kind: 'TIMEOUT' };
  const code = errorCode(error);
  if (code && TLS_CODES.test(code)) return { kind: 'TLS' };
  if (code && NETWORK_CODES.has(code)) return { kind: 'UNREACHABLE' };
  if (error instanceof Error && error.name === 'FetchError') return { kind: 'UNREACHABLE' };
  return { kind: 'CREDENTIALS' };
}

/**
 * Call options that hand every request of one call `signal`, so aborting it cancels the request on the
 * wire, not only the promise. Later options (a patch's Content-Type, say) can be appended with
 * client-node's `setHeaderOptions(…, options)`.
 */
export function signalOptions(signal: AbortSignal, agents?: SharedAgents): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          if (agents) context.setAgent(agents.reuse(context.getAgent())!);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/**
 * Runs `call` with a signal that aborts after `timeoutMs` or with `outer`, and rejects with
 * RequestTimeout at the limit even if the request does not notice its signal (a plugin, a stuck socket).
 */
export async function withTimeout<T>(timeoutMs: number, outer: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  outer?.throwIfAborted();
  const controller = new AbortController();
  const abortFromOuter = () => controller.abort(outer!.reason);
  outer?.addEventListener('abort', abortFromOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timeout = new RequestTimeout(timeoutMs);
      controller.abort(timeout);
      reject(timeout);
    }, timeoutMs);
  });
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
  try {
    return await Promise.race([call(controller.signal), limit, aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', abortFromOuter);
    // Nothing listens any more, but the losing promises must not surface as unhandled rejections.
    limit.catch(() => {});
    aborted.catch(() => {});
  }
}

function readStatus(body: unknown): ApiStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  const { reason, message, code } = value as Record<string, unknown>;
  return {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof code === 'number' ? { code } : {}),
  };
}

function withStatus(status: ApiStatus | undefined): { status?: ApiStatus } {
  return status ? { status } : {};
}

/** node-fetch wraps the socket error: its own `code`, or the cause's. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const { code, errno, cause } = current as { code?: unknown; errno?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (typeof errno === 'string') return errno;
    current = cause;
  }
  return undefined;
}
