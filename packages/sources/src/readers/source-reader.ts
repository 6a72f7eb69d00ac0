import type { UrlGuard } from '../url-guard/policy.js';

/** The kinds of source a repo can name; the same spelling as the repo's `type`. */
export type SourceType = 'HELM' | 'GIT' | 'ADDON_INDEX';

/** A credential as the reader sends it: HTTP basic auth or a bearer token (git: as the password). */
export type SourceCredential = { kind: 'basic'; username: string; password: string } | { kind: 'token'; token: string };

/** Where a repo's content lives; what `repos.repo_source` publishes, with the credential decrypted. */
export interface SourceLocation {
  url: string;
  /** git: the folder holding the addon directories (or `config.json`); the repository root when absent. */
  path?: string | null;
  /** git: branch, tag or commit; the remote's HEAD when absent. */
  ref?: string | null;
  credential?: SourceCredential | null;
}

export interface ReadOptions {
  guard: UrlGuard;
  /** helm: the `ETag` of the last successful read; a `304` then answers `not-modified`. */
  etag?: string | null;
  /** Cancels the read (a sync run being stopped, a client gone). */
  signal?: AbortSignal;
}

/**
 * One read of a source. Entries are produced lazily so a consumer can hold one chart (or addon) at a
 * time: a 50 MB Helm index must not sit in memory as one object graph.
 */
export type SourceSnapshot<Entry> =
  | { status: 'not-modified'; etag: string }
  | {
      status: 'read';
      /** helm: the response's `ETag`, to send back next time. */
      etag: string | null;
      /** git: the commit read. */
      revision: string | null;
      entries: AsyncIterable<Entry>;
    };

/** The one small interface every kind of source is read through. */
export interface SourceReader<Entry> {
  readonly type: SourceType;
  read(location: SourceLocation, options: ReadOptions): Promise<SourceSnapshot<Entry>>;
}
