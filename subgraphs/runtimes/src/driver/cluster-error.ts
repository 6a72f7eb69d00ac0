import { requestFailureOf, type ApiStatus, type RequestFailure } from './request-failure.js';

/** Why a call to the cluster failed, for code that decides what to do next. */
export type ClusterErrorReason =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** 400 or 422: the API server refused what was sent. */
  | 'INVALID'
  | 'UPSTREAM_ERROR'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'TLS'
  | 'CREDENTIALS'
  /** The config service behind the service proxy answered something that is not a JSON document within the size limit. */
  | 'INVALID_ANSWER';

/**
 * Every failure of a call the driver makes to a cluster. The message says what was being done and what
 * a person can do about it; it never repeats credentials (the API server's own Status message is kept,
 * shortened, since it names the object and the rule, e.g. which user may not do what).
 */
export class ClusterError extends Error {
  constructor(
    readonly reason: ClusterErrorReason,
    message: string,
    /** Whether the same call, made again later, may succeed. */
    readonly isRetryable: boolean,
    /** The HTTP status, when the server answered. */
    readonly code?: number,
    /** The `reason` of the API server's Status answer (`AlreadyExists`, `Conflict`, `Expired` …). */
    readonly apiReason?: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

const MAX_SERVER_MESSAGE = 300;

/** Turns whatever a call threw into a ClusterError; `action` names the call ("create Deployment tenant-a/web"). */
export function toClusterError(error: unknown, action: string, timeoutMs: number): ClusterError {
  if (error instanceof ClusterError) return error;
  return fromFailure(requestFailureOf(error), action, timeoutMs);
}

function fromFailure(failure: RequestFailure, action: string, timeoutMs: number): ClusterError {
  switch (failure.kind) {
    case 'TIMEOUT':
      return new ClusterError('TIMEOUT', `${action}: the API server did not answer within ${timeoutMs} ms; it may be overloaded or unreachable, try again later.`, true);
    case 'UNREACHABLE':
      return new ClusterError('UNREACHABLE', `${action}: the API server could not be reached (connection refused, reset or host not found); check that the cluster is up and its address.`, true);
    case 'TLS':
      return new ClusterError('TLS', `${action}: the API server's certificate could not be verified; the environment's CA data may be out of date.`, false);
    case 'CREDENTIALS':
      return new ClusterError('CREDENTIALS', `${action}: the environment's credentials could not be used (a failing exec plugin or unreadable certificate data); update the environment's kubeconfig.`, false);
    case 'HTTP':
      return fromStatus(failure.code, failure.status, action);
  }
}

function fromStatus(code: number, status: ApiStatus | undefined, action: string): ClusterError {
  const said = status?.message ? ` (${shorten(status.message)})` : '';
  const error = (reason: ClusterErrorReason, message: string, isRetryable: boolean) => new ClusterError(reason, message, isRetryable, code, status?.reason);
  if (code === 401) return error('UNAUTHORIZED', `${action}: the API server refused the environment's credentials (401); they may have expired or been revoked, update the environment's kubeconfig.`, false);
  if (code === 403) return error('FORBIDDEN', `${action}: the environment's credentials may not do this (403)${said}; grant them the rights in the cluster's RBAC.`, false);
  if (code === 404) return error('NOT_FOUND', `${action}: not found (404)${said}.`, false);
  if (code === 409) return error('CONFLICT', `${action}: the API server refused a conflicting change (409)${said}; something else changed the object, try the operation again.`, false);
  if (code === 400 || code === 422) return error('INVALID', `${action}: the API server refused the object (${code})${said}.`, false);
  if (code === 429 || code >= 500) return error('UPSTREAM_ERROR', `${action}: the API server failed (HTTP ${code})${said}; try again later.`, true);
  return error('UPSTREAM_ERROR', `${action}: the API server answered HTTP ${code}${said}.`, false);
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_SERVER_MESSAGE ? `${line.slice(0, MAX_SERVER_MESSAGE - 1)}…` : line;
}
