import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * Every error code a client can see, with what it means. Services throw {@link DomainError}s carrying
 * one of these; each server's `formatError` turns them into `extensions.code`.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 'The request carries no valid credentials (a bad, expired or unsigned token).',
  FORBIDDEN: 'The viewer is known but may not do this.',
  NOT_FOUND: 'Nothing by that id is visible to the viewer (absent and not-yours look the same).',
  BAD_USER_INPUT: 'An argument is malformed or out of range; `extensions.field` names it.',
  CONFLICT: 'The change clashes with the current state (a duplicate name, a concurrent change).',
  SIGNATURE_INVALID: 'A signed submission does not verify against its owner DID.',
  SUBMISSION_EXPIRED: "A signed envelope's expiry has passed; the owner signs it again with a later one.",
  UPSTREAM_UNAVAILABLE: 'A registry, git host or cluster did not answer usefully; retry later.',
  PAYLOAD_TOO_LARGE: 'The request body exceeds the configured limit.',
  RATE_LIMITED: 'The viewer sent more of these than the configured limit allows in the window; retry after it.',
  SUBSCRIPTION_BEHIND: 'The subscriber fell too far behind its live events and was ended; subscribe again with `after` set to the last cursor it received (`extensions.cursor`).',
  TOO_MANY_SUBSCRIPTIONS: 'The connection or the tenant already holds as many open subscriptions as the gateway allows (`extensions.limit`, `extensions.scope`); end one first.',
  QUERY_TOO_COMPLEX: 'The operation is deeper or costlier than the configured limits allow.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side; it has been logged.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A refusal a person can act on: a code from {@link ERROR_CODES}, a sentence, and optionally the offending input field. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { field?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function domainError(code: ErrorCode, message: string, details?: DomainError['details']): DomainError {
  return new DomainError(code, message, details);
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
};

/** A GraphQLError for places that must throw one directly (context functions, validation rules). */
export function toGraphQLError(error: DomainError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, ...(status ? { http: { status } } : {}) },
  });
}

/**
 * The one `formatError` of every server: domain errors keep their code and sentence, codes set on
 * purpose by GraphQL or Apollo pass through, and anything else leaves as a plain internal error
 * after being logged in full on our side.
 */
export function createFormatError(log: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...original.details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    if (original instanceof GraphQLError && original.originalError === undefined && code === undefined) return formatted;
    log(original);
    return {
      message: 'Internal server error; it has been logged.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is refused before it reaches SQL. */
export function readId(value: string, field = 'id'): string {
  if (!UUID_PATTERN.test(value)) throw domainError('BAD_USER_INPUT', `${field} must be an id returned by this API (a UUID).`, { field });
  return value.toLowerCase();
}
