/**
 * Why a source could not be read, in words a repo owner can act on. Messages never hold a
 * credential or a resolved internal address beyond the one the user gave: they reach API clients
 * (validateRepo, sync runs) and logs.
 */
export type SourceErrorCode =
  /** The URL is malformed, uses a scheme the source type does not allow, or embeds credentials. */
  | 'INVALID_URL'
  /** The host resolves to (or redirects to) an address the platform does not fetch from. */
  | 'FORBIDDEN_ADDRESS'
  /** DNS failed, the connection was refused or reset. */
  | 'UNREACHABLE'
  /** The time limit passed. */
  | 'TIMEOUT'
  /** The source answered 401 or 403: the credential is missing or wrong. */
  | 'UNAUTHORIZED'
  /** The source answered 404, or the git ref or path does not exist. */
  | 'NOT_FOUND'
  /** Any other unexpected status, or a git failure we cannot classify. */
  | 'UPSTREAM_ERROR'
  /** The response or repository is larger than the size limit. */
  | 'TOO_LARGE'
  /** The content is not what the source type promises (not YAML, no entries, bad JSON). */
  | 'MALFORMED';

/** The part of a repo's source an error is about, when a reader knows it (the URL otherwise). */
export type SourceField = 'url' | 'path' | 'ref' | 'credential';

export class SourceError extends Error {
  readonly field: SourceField;

  constructor(
    readonly code: SourceErrorCode,
    message: string,
    field?: SourceField,
  ) {
    super(message);
    this.name = 'SourceError';
    this.field = field ?? (code === 'UNAUTHORIZED' ? 'credential' : 'url');
  }
}

export function isSourceError(error: unknown): error is SourceError {
  return error instanceof SourceError;
}
